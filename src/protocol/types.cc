#include "protocol/types.h"

namespace banksim {

std::string_view interface_name(Interface i) {
  switch (i) {
    case Interface::kQuery:
      return "query";
    case Interface::kDeposit:
      return "deposit";
    case Interface::kWithdraw:
      return "withdraw";
  }
  return "?";
}

std::optional<Interface> parse_interface(std::string_view s) {
  if (s == "query") return Interface::kQuery;
  if (s == "deposit") return Interface::kDeposit;
  if (s == "withdraw") return Interface::kWithdraw;
  return std::nullopt;
}

std::string_view protocol_name(ProtocolKind p) {
  switch (p) {
    case ProtocolKind::kSync:
      return "sync";
    case ProtocolKind::kAsync:
      return "async";
    case ProtocolKind::kSession:
      return "session";
    case ProtocolKind::kRobust:
      return "robust";
  }
  return "?";
}

std::optional<ProtocolKind> parse_protocol(std::string_view s) {
  if (s == "sync") return ProtocolKind::kSync;
  if (s == "async") return ProtocolKind::kAsync;
  if (s == "session") return ProtocolKind::kSession;
  if (s == "robust") return ProtocolKind::kRobust;
  return std::nullopt;
}

}  // namespace banksim

#include "protocol/message.h"

namespace banksim {

std::string_view message_kind_name(MessageKind k) {
  switch (k) {
    case MessageKind::kRequest:
      return "request";
    case MessageKind::kReply:
      return "reply";
    case MessageKind::kPropagate:
      return "propagate";
    case MessageKind::kAck:
      return "ack";
  }
  return "?";
}

}  // namespace banksim
