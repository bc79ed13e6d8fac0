// Data-parallel plumbing for `respect train` (internal to src/learn): N worker processes, on one
// or several machines, join a group through a TCP rendezvous store on the master (rank 0's host)
// and sum tensors with an all-reduce, through LibTorch's c10d ProcessGroupGloo. A worker that
// dies or cannot be reached makes the others' next collective fail within the timeout; the
// failure comes back as an Error naming this rank, never a hang.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect::learn {

struct DistributedOptions {
  int world_size = 1;
  int rank = 0;
  std::string master = "127.0.0.1:29500";  // HOST:PORT of rank 0's rendezvous store
  double timeout_s = 60;                   // rendezvous and every collective
};

// "HOST:PORT" -> (host, port), with errors for anything else.
Result<std::pair<std::string, int>> ParseMaster(const std::string& master);

class ProcessGroup {
 public:
  // Joins the group (rank 0 serves the store). Errors: a bad address, a peer that does not
  // arrive within the timeout.
  static Result<std::unique_ptr<ProcessGroup>> Join(const DistributedOptions& o);
  ~ProcessGroup();
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Sums each tensor over the group, in place (all ranks get the sum).
  Status AllReduceSum(std::vector<torch::Tensor>& tensors);
  Status AllReduceSum(std::vector<double>& values);
  // Wall seconds spent in collectives so far (waiting for slower workers included).
  double collective_seconds() const { return collective_s_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
  double collective_s_ = 0;
  ProcessGroup() = default;
};

}  // namespace respect::learn
