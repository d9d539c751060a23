// The durable store of `banksim serve --data-dir` (src/grpc/durable_store.h): the file
// round-trips, and every damage a torn or corrupted write can leave (truncation, a flipped
// bit anywhere, trailing bytes, another bank's identity, a state that does not fit the bank)
// is refused, never loaded, and leaves the file as it was. Only built with BANKSIM_GRPC.
#ifdef BANKSIM_HAVE_GRPC

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "grpc/branch_node.h"
#include "grpc/durable_store.h"
#include "protocol/codec.h"
#include "small_bank.h"

using banksim::BranchDurable;
using banksim::DurableIdentity;
using banksim::DurableStore;
using banksim::ProtocolKind;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "banksim-durable-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

const DurableIdentity kId{
    .scenario_hash = 0x1234, .branch_id = 1, .branch_index = 0, .protocol = "session"};

}  // namespace

TEST_CASE("durable store: a saved state comes back; a new directory starts from the scenario") {
  auto layout = small_bank::make_layout(ProtocolKind::kSession);
  TempDir dir;
  std::optional<BranchDurable> restored;
  std::string error;
  auto store = DurableStore::open(dir.path, kId, *layout, 0, &restored, &error);
  REQUIRE(store != nullptr);
  CHECK(!restored);  // nothing there yet: the initial state was written
  CHECK(store->saved() == BranchDurable{.balance = 100, .applied = {0}});
  REQUIRE(store->save(BranchDurable{.balance = -5, .applied = {3}}, &error));
  store.reset();
  store = DurableStore::open(dir.path, kId, *layout, 0, &restored, &error);
  REQUIRE(store != nullptr);
  REQUIRE(restored);
  CHECK(*restored == BranchDurable{.balance = -5, .applied = {3}});
  // Only the state file is left: no temporary beside it.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
    CHECK(e.path().filename() == "branch-1.durable");
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("durable store: robust's remembered replies and unacknowledged propagations come back") {
  auto layout = small_bank::make_layout(ProtocolKind::kRobust);
  TempDir dir;
  std::optional<BranchDurable> restored;
  std::string error;
  const DurableIdentity id{
      .scenario_hash = 0x1234, .branch_id = 1, .branch_index = 0, .protocol = "robust"};
  auto store = DurableStore::open(dir.path, id, *layout, 0, &restored, &error);
  REQUIRE(store != nullptr);
  BranchDurable d = store->saved();
  REQUIRE(d.served.size() == 1);
  CHECK(d.served[0].event == -1);
  d.balance = 90;
  d.applied = {1};
  d.served[0] = banksim::ServedReply{.event = 0, .success = true, .money = 0};
  d.unacked.push_back(banksim::Unacked{.customer = 0,
                                       .event = 0,
                                       .peer = 1,
                                       .seq = 1,
                                       .iface = banksim::Interface::kWithdraw,
                                       .delta = -10});
  // A free run's last step report is saved with the state and comes back with it; a save
  // without one keeps the report last saved.
  const banksim::DurableReport report{.number = 7, .step = std::string("\x08\x01\x10\x07", 4)};
  REQUIRE(store->save(d, report, &error));
  REQUIRE(store->save(d, &error));
  CHECK(store->report() == report);
  store.reset();
  store = DurableStore::open(dir.path, id, *layout, 0, &restored, &error);
  REQUIRE(store != nullptr);
  REQUIRE(restored);
  CHECK(*restored == d);
  CHECK(store->report() == report);
  // A robust state does not load into a session bank of the same scenario.
  store.reset();
  auto session = small_bank::make_layout(ProtocolKind::kSession);
  CHECK(DurableStore::open(
            dir.path,
            DurableIdentity{
                .scenario_hash = 0x1234, .branch_id = 1, .branch_index = 0, .protocol = "robust"},
            *session, 0, &restored, &error) == nullptr);
  CHECK(error.find("remembered replies") != std::string::npos);
}

TEST_CASE("durable store: every truncation and every flipped bit is refused") {
  const std::string good = banksim::encode_durable_file(kId, {.balance = 110, .applied = {1}});
  std::string error;
  REQUIRE(banksim::decode_durable_file(good, &error));
  for (size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK(!banksim::decode_durable_file(good.substr(0, n), &error));
  }
  CHECK(!banksim::decode_durable_file(good + "x", &error));
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      CAPTURE(i);
      CAPTURE(bit);
      CHECK(!banksim::decode_durable_file(bad, &error));
    }
  }
}

TEST_CASE("durable store: a damaged or foreign file is refused and left as it was") {
  auto layout = small_bank::make_layout(ProtocolKind::kSession);
  TempDir dir;
  std::optional<BranchDurable> restored;
  std::string error;
  REQUIRE(DurableStore::open(dir.path, kId, *layout, 0, &restored, &error) != nullptr);
  const std::string file = dir.path + "/branch-1.durable";
  const std::string good = slurp(file);

  SUBCASE("truncated") {
    spit(file, good.substr(0, good.size() - 3));
    CHECK(DurableStore::open(dir.path, kId, *layout, 0, &restored, &error) == nullptr);
    CHECK(error.find("truncated") != std::string::npos);
    CHECK(slurp(file) == good.substr(0, good.size() - 3));
  }
  SUBCASE("a flipped bit") {
    std::string bad = good;
    bad[good.size() / 2] = static_cast<char>(bad[good.size() / 2] ^ 4);
    spit(file, bad);
    CHECK(DurableStore::open(dir.path, kId, *layout, 0, &restored, &error) == nullptr);
    CHECK(error.find("checksum mismatch") != std::string::npos);
    CHECK(slurp(file) == bad);
  }
  SUBCASE("another scenario") {
    DurableIdentity other = kId;
    other.scenario_hash += 1;
    CHECK(DurableStore::open(dir.path, other, *layout, 0, &restored, &error) == nullptr);
    CHECK(error.find("another bank") != std::string::npos);
    CHECK(slurp(file) == good);
  }
  SUBCASE("a state that does not fit the bank") {
    // The same identity, but a sync bank: session's applied writes do not fit it.
    auto sync = small_bank::make_layout(ProtocolKind::kSync);
    CHECK(DurableStore::open(dir.path, kId, *sync, 0, &restored, &error) == nullptr);
    CHECK(error.find("does not fit") != std::string::npos);
    CHECK(slurp(file) == good);
  }
  CHECK(error.find(file) != std::string::npos);
}

TEST_CASE("durable store: a missing directory or a file is refused") {
  auto layout = small_bank::make_layout(ProtocolKind::kSync);
  TempDir dir;
  std::optional<BranchDurable> restored;
  std::string error;
  const DurableIdentity id{
      .scenario_hash = 1, .branch_id = 1, .branch_index = 0, .protocol = "sync"};
  CHECK(DurableStore::open(dir.path + "/missing", id, *layout, 0, &restored, &error) == nullptr);
  CHECK(error.find("No such file or directory") != std::string::npos);
  spit(dir.path + "/plain", "x");
  CHECK(DurableStore::open(dir.path + "/plain", id, *layout, 0, &restored, &error) == nullptr);
  CHECK(error.find("not a directory") != std::string::npos);
}

TEST_CASE("durable store: a branch node writes its step before the reply, and comes back") {
  auto layout = small_bank::make_layout(ProtocolKind::kSync);
  TempDir dir;
  const DurableIdentity id{
      .scenario_hash = 7, .branch_id = 1, .branch_index = 0, .protocol = "sync"};
  const std::string file = dir.path + "/branch-1.durable";
  std::optional<BranchDurable> restored;
  std::string error;
  banksim::NodeConfiguration c;
  c.peers = {"", ""};
  c.conducted = true;
  {
    auto store = DurableStore::open(dir.path, id, *layout, 0, &restored, &error);
    REQUIRE(store != nullptr);
    banksim::BranchNode node(layout, 0, std::move(store), restored);
    REQUIRE(node.configure(c, &error));
    std::string bytes;
    banksim::encode_message(small_bank::deposit_request(), &bytes);
    banksim::wire::Packet p;
    p.set_envelope(bytes);
    banksim::wire::DeliverReply reply;
    REQUIRE(node.on_deliver(p, &reply).ok());
    // By the time the reply is handed back, the deposit is on disk.
    auto on_disk = banksim::decode_durable_file(slurp(file), &error);
    REQUIRE(on_disk);
    CHECK(on_disk->state.balance() == 110);
  }
  // A new process on the same directory: the balance, not the scenario's 100.
  auto store = DurableStore::open(dir.path, id, *layout, 0, &restored, &error);
  REQUIRE(store != nullptr);
  REQUIRE(restored);
  banksim::BranchNode node(layout, 0, std::move(store), restored);
  banksim::wire::BranchStatus status;
  REQUIRE(node.on_status(&status).ok());
  CHECK(status.balance() == 110);
}

#endif  // BANKSIM_HAVE_GRPC
