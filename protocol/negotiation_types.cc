// Names of roles, states and events for logs, refusals and docs.
#include "protocol/negotiation_types.h"

namespace pactum::protocol {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kBuyer: return "buyer";
    case Role::kSeller: return "seller";
  }
  return "unknown";
}

std::string_view state_name(NegState s) {
  switch (s) {
    case NegState::kInit: return "INIT";
    case NegState::kProposed: return "PROPOSED";
    case NegState::kCountered: return "COUNTERED";
    case NegState::kEscalated: return "ESCALATED";
    case NegState::kAccepted: return "ACCEPTED";
    case NegState::kRejected: return "REJECTED";
    case NegState::kWithdrawn: return "WITHDRAWN";
    case NegState::kExpired: return "EXPIRED";
    case NegState::kFailed: return "FAILED";
    case NegState::kCommitted: return "COMMITTED";
  }
  return "unknown";
}

std::string_view event_name(NegEvent e) {
  switch (e) {
    case NegEvent::kPropose: return "propose";
    case NegEvent::kCounter: return "counter";
    case NegEvent::kAccept: return "accept";
    case NegEvent::kReject: return "reject";
    case NegEvent::kWithdraw: return "withdraw";
    case NegEvent::kApprove: return "approve";
    case NegEvent::kDeny: return "deny";
    case NegEvent::kEscalate: return "escalate";
    case NegEvent::kExpire: return "expire";
    case NegEvent::kFail: return "fail";
    case NegEvent::kCommit: return "commit";
  }
  return "unknown";
}

}  // namespace pactum::protocol
