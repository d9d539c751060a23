#include "sim/world_wire.h"

#include <cstdio>
#include <cstdlib>

#include "protocol/codec.h"
#include "sim/varint.h"

namespace banksim {

namespace {

// Always on: bytes that do not parse are a banksim bug (another process of the same run
// wrote them), never user input.
[[noreturn]] void malformed(const char* what) {
  std::fprintf(stderr, "banksim: internal error: world wire: %s\n", what);
  std::abort();
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void u(uint64_t v) {
    if (v < 0x80) {  // most fields: one byte
      out_->push_back(static_cast<char>(v));
      return;
    }
    append_varint(*out_, v);
  }
  void s(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void i128(__int128 v) {
    s(static_cast<int64_t>(v >> 64));
    u(static_cast<uint64_t>(v));
  }
  void str(const std::string& v) {
    u(v.size());
    out_->append(v);
  }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t u() {
    const std::optional<uint64_t> v = read_varint(in_, &pos_);
    if (!v) malformed("truncated, or a varint too long");
    return *v;
  }
  int64_t s() {
    const uint64_t v = u();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  int32_t i32() { return static_cast<int32_t>(s()); }
  bool b() { return u() != 0; }
  __int128 i128() {
    const __int128 hi = s();
    const uint64_t lo = u();
    return static_cast<__int128>(static_cast<unsigned __int128>(hi) << 64) | lo;
  }
  std::string str() {
    const uint64_t n = u();
    if (n > in_.size() - pos_) malformed("truncated string");
    std::string v(in_.substr(pos_, n));
    pos_ += n;
    return v;
  }
  // A count of items each at least one byte long: bounded by what is left.
  size_t count() {
    const uint64_t n = u();
    if (n > in_.size() - pos_) malformed("count beyond the end");
    return static_cast<size_t>(n);
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

void put_message(Writer& w, const Message& m) {
  w.u(static_cast<uint64_t>(m.kind));
  w.u(static_cast<uint64_t>(m.iface));
  w.u(m.success ? 1 : 0);
  w.s(m.from);
  w.s(m.to);
  w.s(m.customer);
  w.s(m.event);
  w.s(m.seq);
  w.s(m.money);
  w.s(m.delay_us);
}

Message get_message(Reader& r) {
  Message m;
  const uint64_t kind = r.u();
  const uint64_t iface = r.u();
  if (kind >= static_cast<uint64_t>(kMessageKindCount) ||
      iface > static_cast<uint64_t>(Interface::kWithdraw)) {
    malformed("message kind or interface");
  }
  m.kind = static_cast<MessageKind>(kind);
  m.iface = static_cast<Interface>(iface);
  m.success = r.b();
  m.from = r.i32();
  m.to = r.i32();
  m.customer = r.i32();
  m.event = r.i32();
  m.seq = r.i32();
  m.money = r.s();
  m.delay_us = r.s();
  return m;
}

void put_messages(Writer& w, const std::vector<Message>& ms) {
  w.u(ms.size());
  for (const Message& m : ms) put_message(w, m);
}

std::vector<Message> get_messages(Reader& r) {
  std::vector<Message> ms(r.count());
  for (Message& m : ms) m = get_message(r);
  return ms;
}

void put_timer_key(Writer& w, const TimerKey& k) {
  w.u(static_cast<uint64_t>(k.kind));
  w.s(k.owner);
  w.s(k.customer);
  w.s(k.event);
  w.s(k.peer);
}

TimerKey get_timer_key(Reader& r) {
  TimerKey k;
  const uint64_t kind = r.u();
  if (kind >= static_cast<uint64_t>(kMessageKindCount)) malformed("timer kind");
  k.kind = static_cast<MessageKind>(kind);
  k.owner = r.i32();
  k.customer = r.i32();
  k.event = r.i32();
  k.peer = r.i32();
  return k;
}

// Sparse words: (gap since the last nonzero word, word) pairs; words are mostly zero.
template <typename Bits>
void put_bits(Writer& w, const Bits& bits) {
  std::vector<std::pair<uint64_t, uint64_t>> set;
  uint64_t index = 0;
  bits.for_each_word([&](uint64_t word) {
    if (word != 0) set.emplace_back(index, word);
    ++index;
  });
  w.u(index);
  w.u(set.size());
  uint64_t last = 0;
  for (const auto& [i, word] : set) {
    w.u(i - last);
    w.u(word);
    last = i;
  }
}

// Calls set_bit(word index, bit) for every bit set.
template <typename SetBit>
void get_bits(Reader& r, uint64_t expect_words, SetBit&& set_bit) {
  if (r.u() != expect_words) malformed("bitset size differs from the scenario's");
  const size_t n = r.count();
  uint64_t index = 0;
  for (size_t k = 0; k < n; ++k) {
    index += r.u();
    if (index >= expect_words) malformed("bitset word beyond the end");
    uint64_t word = r.u();
    while (word != 0) {
      const int bit = __builtin_ctzll(word);
      set_bit(index, bit);
      word &= word - 1;
    }
  }
}

}  // namespace

void WorldWire::encode(const World& w, std::string* out) {
  if (w.options_.record_history || w.halted_) malformed("encode: a World with history or halted");
  Writer o(out);
  const Scenario& sc = *w.scenario_;
  // Branches.
  for (const Branch& b : w.branches_) {
    o.s(b.balance_);
    o.u(b.pending_.size());
    for (const auto& p : b.pending_) {
      o.s(p.customer);
      o.s(p.event);
      o.u(static_cast<uint64_t>(p.iface));
      o.s(p.acks_missing);
      for (uint64_t word : p.acks_due) o.u(word);
    }
    o.u(b.applied_.size());
    for (int32_t a : b.applied_) o.s(a);
    put_messages(o, b.held_);
    put_messages(o, b.buffered_);
    o.u(b.served_.size());
    for (const ServedReply& s : b.served_) {
      o.s(s.event);
      o.u(s.success ? 1 : 0);
      o.s(s.money);
    }
    o.u(b.unacked_.size());
    for (const Unacked& u : b.unacked_) {
      o.s(u.customer);
      o.s(u.event);
      o.s(u.peer);
      o.s(u.seq);
      o.u(static_cast<uint64_t>(u.iface));
      o.s(u.delta);
    }
    put_bits(o, b.receipts_);
  }
  // Customers.
  for (const Customer& c : w.customers_) {
    o.s(c.next_);
    o.u(c.waiting_ ? 1 : 0);
    o.s(c.writes_done_);
  }
  // The monitor's ghost state.
  const Monitor& m = w.monitor_;
  for (Money bal : m.balance_) o.s(bal);
  put_bits(o, m.applied_);
  for (int32_t e : m.outstanding_) o.s(e);
  for (size_t b = 0; b < sc.branches.size(); ++b) {
    for (size_t c = 0; c < sc.customers.size(); ++c) o.s(m.frontier(b, c));
  }
  o.s(m.net_);
  // The network: messages in flight with their ids, and what faults did to it.
  const auto flight = w.in_flight();  // closes the holes
  o.u(flight.size());
  uint64_t last_id = 0;
  for (const InFlight& f : flight) {
    o.u(f.id - last_id);  // ids ascend
    last_id = f.id;
    put_message(o, f.msg);
  }
  o.u(w.next_id_);
  o.u(w.delivered_);
  o.i128(w.in_flight_propagated_);
  o.i128(w.fault_money_);
  const FaultCounts& fc = w.faults_;
  for (uint64_t v :
       {fc.drops, fc.duplicates, fc.crashes, fc.restarts, fc.partitions, fc.heals, fc.lost}) {
    o.u(v);
  }
  o.u(w.down_);
  o.u(w.side_);
  // Timers.
  o.u(w.timers_.size());
  w.timers_.for_each([&](const ArmedTimer& t) {  // by increasing id
    o.u(t.id);
    put_timer_key(o, t.key);
  });
  o.u(w.next_timer_id_);
  o.u(w.timers_fired_);
  // Violations found so far (the explorer records only the new ones of a step).
  o.u(w.violations_.size());
  for (const Violation& v : w.violations_) {
    o.u(static_cast<uint64_t>(v.property));
    o.str(v.detail);
    o.u(v.events.size());
    for (const EventRef& e : v.events) {
      o.s(e.customer);
      o.s(e.event);
    }
    o.s(v.time_us);
  }
  for (uint64_t count : w.violation_counts_) o.u(count);
  o.u(w.finished_ ? 1 : 0);
}

World WorldWire::decode(std::shared_ptr<const Scenario> scenario, const WorldOptions& options,
                        std::string_view bytes) {
  if (options.record_history) malformed("decode: a World with history");
  World w(std::move(scenario), options);
  const Scenario& sc = *w.scenario_;
  Reader r(bytes);
  for (Branch& b : w.branches_) {
    b.balance_ = r.s();
    b.pending_.resize(r.count());
    for (auto& p : b.pending_) {
      p.customer = r.i32();
      p.event = r.i32();
      const uint64_t iface = r.u();
      if (iface > static_cast<uint64_t>(Interface::kWithdraw)) malformed("pending interface");
      p.iface = static_cast<Interface>(iface);
      p.acks_missing = r.i32();
      for (uint64_t& word : p.acks_due) word = r.u();
    }
    b.applied_.resize(r.count());
    for (int32_t& a : b.applied_) a = r.i32();
    b.held_ = get_messages(r);
    b.buffered_ = get_messages(r);
    b.buffered_delta_ = 0;
    for (const Message& m : b.buffered_) b.buffered_delta_ += m.money;
    b.served_.resize(r.count());
    for (ServedReply& s : b.served_) {
      s.event = r.i32();
      s.success = r.b();
      s.money = r.s();
    }
    b.unacked_.resize(r.count());
    for (Unacked& u : b.unacked_) {
      u.customer = r.i32();
      u.event = r.i32();
      u.peer = r.i32();
      u.seq = r.i32();
      const uint64_t iface = r.u();
      if (iface > static_cast<uint64_t>(Interface::kWithdraw)) malformed("unacked interface");
      u.iface = static_cast<Interface>(iface);
      u.delta = r.s();
    }
    CowBits& receipts = b.receipts_;
    get_bits(r, receipts.words(),
             [&](uint64_t word, int bit) { receipts.set(word * 64 + static_cast<size_t>(bit)); });
  }
  for (Customer& c : w.customers_) {
    c.next_ = r.i32();
    c.waiting_ = r.b();
    c.writes_done_ = r.i32();
  }
  Monitor& m = w.monitor_;
  for (Money& bal : m.balance_) bal = r.s();
  {
    // Rows of event_total() bits: one per branch, then the completed writes.
    const uint64_t per_row = (static_cast<uint64_t>(sc.event_total()) + 63) / 64;
    const uint64_t rows = sc.branches.size() + 1;
    get_bits(r, per_row * rows, [&](uint64_t word, int bit) {
      m.applied_.set(static_cast<size_t>(word / per_row),
                     static_cast<size_t>((word % per_row) * 64) + static_cast<size_t>(bit));
    });
  }
  for (int32_t& e : m.outstanding_) e = r.i32();
  for (size_t b = 0; b < sc.branches.size(); ++b) {
    for (size_t c = 0; c < sc.customers.size(); ++c) {
      const int32_t v = r.i32();
      if (v != 0) m.set_frontier(b, c, v);
    }
  }
  m.net_ = r.s();
  const size_t flying = r.count();
  w.in_flight_.reserve(flying);
  uint64_t id = 0;
  for (size_t i = 0; i < flying; ++i) {
    id += r.u();
    const Message msg = get_message(r);
    if (msg.to < 0 || msg.to >= sc.actor_count()) malformed("message to no actor");
    w.in_flight_.push_back(InFlight{id, msg});
    w.gate_.sent(msg);
    if (options.fingerprint) w.in_flight_hash_ += World::message_hash(msg);
    if (options.wire) {
      w.wire_pool_.emplace_back();
      encode_message(msg, &w.wire_pool_.back());
      w.wire_slot_.push_back(static_cast<uint32_t>(w.wire_pool_.size() - 1));
    }
  }
  w.next_id_ = r.u();
  w.delivered_ = r.u();
  w.in_flight_propagated_ = r.i128();
  w.fault_money_ = r.i128();
  FaultCounts& fc = w.faults_;
  for (uint64_t* v : {&fc.drops, &fc.duplicates, &fc.crashes, &fc.restarts, &fc.partitions,
                      &fc.heals, &fc.lost}) {
    *v = r.u();
  }
  w.down_ = r.u();
  w.side_ = r.u();
  w.timers_ = ArmedTimers();
  uint64_t last_timer_id = 0;
  for (size_t i = 0, n = r.count(); i < n; ++i) {
    const uint64_t id = r.u();
    const TimerKey key = get_timer_key(r);
    if (i > 0 && id <= last_timer_id) malformed("timer ids out of order");
    last_timer_id = id;
    w.timers_.arm(key, id);
  }
  w.next_timer_id_ = r.u();
  w.timers_fired_ = r.u();
  w.violations_.resize(r.count());
  for (Violation& v : w.violations_) {
    const uint64_t p = r.u();
    if (p >= static_cast<uint64_t>(kPropertyCount)) malformed("violation property");
    v.property = static_cast<Property>(p);
    v.detail = r.str();
    v.events.resize(r.count());
    for (EventRef& e : v.events) {
      e.customer = r.i32();
      e.event = r.i32();
    }
    v.time_us = r.s();
  }
  for (uint64_t& count : w.violation_counts_) count = r.u();
  w.finished_ = r.b();
  if (!r.done()) malformed("bytes left after the World");
  for (ActorIndex a = 0; a < sc.actor_count(); ++a) w.rehash_actor(a);
  return w;
}

}  // namespace banksim
