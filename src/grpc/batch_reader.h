// BatchReader: the server side of a link stream (BranchService/DriverService.Stream) on
// gRPC's callback API. Each Batch read is handed to `handle` on gRPC's thread, in order; the
// first batch it refuses ends the stream with that status (the sender reports the fault).
// The stream ends OK when the sender closes or cancels it. Deletes itself when done.
#pragma once

#include <functional>
#include <utility>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_callback.h>

#include "banksim_service.pb.h"

namespace banksim {

class BatchReader final : public grpc::ServerReadReactor<wire::Batch> {
 public:
  using HandleFn = std::function<grpc::Status(const wire::Batch&)>;
  explicit BatchReader(HandleFn handle) : handle_(std::move(handle)) { StartRead(&batch_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    const grpc::Status s = handle_(batch_);
    if (!s.ok()) {
      Finish(s);
      return;
    }
    StartRead(&batch_);
  }
  void OnDone() override { delete this; }

 private:
  HandleFn handle_;
  wire::Batch batch_;
};

}  // namespace banksim
