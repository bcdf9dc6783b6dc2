// pactumd's logs: one JSON object per line on stderr, through spdlog's
// default logger (so the transport's own spdlog lines come out as JSON too).
//
// Every line holds "ts" (UTC, ms), "level" and "node". A line written with
// log_event() carries "event" plus its fields at the top level; any other
// spdlog line carries its text, escaped, as "msg". Secrets (keys, passphrases)
// are never passed in: callers log key ids and hex digests only.
//
// Thread-safe (spdlog's _mt sink).
#pragma once

#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <string_view>

#include "base/base.h"

namespace pactum::node::daemon {

// kBadConfig for an unknown level name ("trace".."error").
Result<void> install_json_logger(std::string_view node_name, std::string_view level);

// {"ts":..., "level":..., "node":..., "event": event, <fields>}.
void log_event(spdlog::level::level_enum level, std::string_view event,
               boost::json::object fields = {});

}  // namespace pactum::node::daemon
