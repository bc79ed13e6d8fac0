#include "learn/distributed.h"

#include <fmt/format.h>

#include <chrono>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace respect::learn {

namespace {

// c10d's messages carry source locations and stack traces: the first line is the news.
std::string FirstLine(const std::string& s) {
  std::string r = s.substr(0, s.find('\n'));
  return r.size() > 200 ? r.substr(0, 200) + "..." : r;
}

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

ProcessGroup::~ProcessGroup() = default;

Result<std::pair<std::string, int>> ParseMaster(const std::string& master) {
  const size_t colon = master.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == master.size())
    return Error{fmt::format("--master '{}': expected HOST:PORT", master)};
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(master.substr(colon + 1), &used);
    if (used != master.size() - colon - 1) throw std::invalid_argument(master);
  } catch (const std::exception&) {
    return Error{fmt::format("--master '{}': the port is not a number", master)};
  }
  if (port < 1 || port > 65535)
    return Error{fmt::format("--master '{}': port out of range", master)};
  return std::make_pair(master.substr(0, colon), port);
}

Result<std::unique_ptr<ProcessGroup>> ProcessGroup::Join(const DistributedOptions& o) {
  if (o.world_size < 1) return Error{"--world-size must be at least 1"};
  if (o.rank < 0 || o.rank >= o.world_size)
    return Error{fmt::format("--rank {} is outside [0, {})", o.rank, o.world_size)};
  auto master = ParseMaster(o.master);
  if (!master) return master.error();
  std::unique_ptr<ProcessGroup> g(new ProcessGroup());
  g->impl_ = std::make_unique<Impl>();
  g->rank_ = o.rank;
  g->size_ = o.world_size;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(master->second);
    so.isServer = o.rank == 0;
    so.numWorkers = static_cast<size_t>(o.world_size);
    so.waitWorkers = true;
    so.timeout = timeout;
    g->impl_->store = c10::make_intrusive<c10d::TCPStore>(master->first, so);
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    // The address peers reach this worker at: the loopback for a local group, else the
    // hostname's interface.
    const bool local = master->first == "127.0.0.1" || master->first == "localhost";
    opts->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                  : c10d::ProcessGroupGloo::createDefaultDevice());
    g->impl_->pg =
        c10::make_intrusive<c10d::ProcessGroupGloo>(g->impl_->store, o.rank, o.world_size, opts);
  } catch (const std::exception& e) {
    return Error{fmt::format("rank {}: could not join the group at {} within {} s: {}", o.rank,
                             o.master, o.timeout_s, FirstLine(e.what()))};
  }
  return g;
}

Status ProcessGroup::AllReduceSum(std::vector<torch::Tensor>& tensors) {
  if (size_ == 1 || tensors.empty()) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  struct Clock {  // adds the call's wall time on every exit
    double& total;
    std::chrono::steady_clock::time_point t0;
    ~Clock() {
      total += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  } clock{collective_s_, t0};
  try {
    // One flat buffer: one collective per step whatever the number of parameters.
    std::vector<torch::Tensor> flat = {torch::cat([&] {
      std::vector<torch::Tensor> parts;
      for (const auto& t : tensors) parts.push_back(t.reshape({-1}));
      return parts;
    }())};
    impl_->pg->allreduce(flat)->wait();
    int64_t at = 0;
    for (auto& t : tensors) {
      const int64_t n = t.numel();
      t.copy_(flat[0].narrow(0, at, n).view_as(t));
      at += n;
    }
  } catch (const std::exception& e) {
    return Error{
        fmt::format("rank {}: the process group failed (a worker stopped or cannot be reached): {}",
                    rank_, FirstLine(e.what()))};
  }
  return Status::Ok();
}

Status ProcessGroup::AllReduceSum(std::vector<double>& values) {
  if (size_ == 1 || values.empty()) return Status::Ok();
  std::vector<torch::Tensor> t = {
      torch::from_blob(values.data(), {static_cast<int64_t>(values.size())}, torch::kDouble)
          .clone()};
  if (auto st = AllReduceSum(t); !st) return st;
  const double* p = t[0].data_ptr<double>();
  std::copy(p, p + values.size(), values.begin());
  return Status::Ok();
}

}  // namespace respect::learn
