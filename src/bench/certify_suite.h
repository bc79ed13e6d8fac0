// `respect bench --suite certify`: how close to optimal each answer is proven to be, on the
// graphs where certificates are hard: the 1k-10k-operator random DAGs, the RESPECT authors'
// wide graphs (NASNet, Inception v3, Inception-ResNet v2) and two real wide models with their
// activations (zoo:nasnet_mobile, zoo:randwire), at K = 4, 6, 10, 16 (throughput).
// Per instance and method: the period found, the lower bound it proves and where that bound
// comes from (simple, head-tail, lattice, ilp), proven or not, wall time; per instance the best
// period and best bound over the methods and their ratio (1 = certified optimal). Each run is
// a child process (RunMethodInChild), so a run that dies costs only its row.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/scale_suite.h"
#include "core/status.h"

namespace respect {

struct CertifyInstance {
  std::string graph;  // file stem
  int nodes = 0, edges = 0, stages = 0;
  std::vector<ScaleRun> runs;  // one per method
  // Over the methods that returned: the best period, the best bound and which bound it is,
  // whether some method proved its answer optimal.
  double best_value = 0, best_bound = 0;
  std::string bound_from;
  bool proven = false;
  double ratio() const { return best_value > 0 ? best_bound / best_value : 0; }
};

struct CertifySuiteOptions {
  std::vector<std::string> graphs;  // graph files or zoo:NAME; empty: DefaultCertifyGraphs(..)
  std::vector<int> stages = {4, 6, 10, 16};
  std::vector<std::string> methods = {"dp", "auto"};
  double time_limit_s = 20;
  std::string device = "usb";
  std::function<void(const std::string&)> progress;
};

struct CertifySuiteResult {
  CertifySuiteOptions options;
  std::vector<CertifyInstance> instances;
};

// rand_graph_{1000,5000,10000}_1 from dag_dir, NASNet, inception_v3 and inception_resnet_v2
// from the authors' dumps in graphs_dir.
std::vector<std::string> DefaultCertifyGraphs(const std::string& dag_dir,
                                              const std::string& graphs_dir);

Result<CertifySuiteResult> RunCertifySuite(const CertifySuiteOptions& o);

nlohmann::json CertifySuiteJson(const CertifySuiteResult& r);
std::string CertifySuiteMarkdown(const CertifySuiteResult& r, const std::string& command,
                                 const std::string& chart);
// One bar per instance: best bound / best period (1 = proven optimal), grouped by graph.
std::string CertifyChartSvg(const CertifySuiteResult& r);

}  // namespace respect
