// `--report FILE.html`: one self-contained HTML page about a pipeline (inline SVG and CSS, no
// network needed): the command that produced it, the model, the method with its bound, gap and
// proven status, a one-line verdict on what limits the pipeline, the per-stage table, the
// stage-balance chart (against a baseline schedule when given) and the stage-cluster picture.
// The page is XHTML-clean (every element closed), so XML tools can read it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "cost/cost_model.h"
#include "report/stage_picture.h"
#include "schedulers/deployment.h"
#include "schedulers/schedule.h"
#include "schedulers/scheduler.h"

namespace respect {

struct HtmlReportInput {
  std::string command;  // the exact command line
  const Graph* graph = nullptr;
  const DeviceProfile* device = nullptr;
  Schedule schedule;
  PipelineCost cost;
  std::string method = "(given)", objective = "throughput";
  bool has_solve = false;  // method/bound/gap below are meaningful (schedule), not (simulate)
  double objective_value = 0, lower_bound = 0, gap = 0, solve_seconds = 0;
  std::string bound_from;  // which bound (ScheduleResult::bound_name)
  bool proven = false;
  std::string note;
  std::vector<PhaseReport> phases;
  std::optional<PipelineCost> baseline;  // drawn beside the schedule in the balance chart
  std::string baseline_label = "compiler";
  StagePictureOptions picture;
};

// Errors only when the cluster picture cannot be laid out (it is then left out with a note).
std::string HtmlReport(const HtmlReportInput& in);

// What limits the pipeline, in one sentence (the bottleneck stage and its largest time part).
std::string BottleneckVerdict(const PipelineCost& cost, const DeviceProfile& p);

// A deployment of several models (`respect plan M1 M2 ... --report`): the verdict, a table per
// model and per TPU, and the lanes picture (one lane per TPU). Self-contained HTML.
std::string DeploymentHtmlReport(const Deployment& d, const std::string& device,
                                 const std::string& command);

}  // namespace respect
