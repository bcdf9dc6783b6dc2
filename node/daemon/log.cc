// JSON-lines logging: a custom spdlog flag writes the message either as the
// fields of a structured event or as an escaped "msg" string.
#include "node/daemon/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace pactum::node::daemon {
namespace {

// log_event() marks its payload with this byte so the formatter can tell a
// structured event (a serialized JSON object) from free text.
constexpr char kStructuredMark = '\x01';

void append_escaped(std::string_view text, spdlog::memory_buf_t& dest) {
  std::string s = boost::json::serialize(boost::json::value(boost::json::string_view(text.data(), text.size())));
  dest.append(s.data(), s.data() + s.size());
}

class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (payload.size() >= 3 && payload[0] == kStructuredMark && payload[1] == '{' &&
        payload.back() == '}') {
      // The object's members without its braces join the line's object.
      std::string_view inner = payload.substr(2, payload.size() - 3);
      dest.append(inner.data(), inner.data() + inner.size());
      return;
    }
    static constexpr std::string_view kMsg = "\"msg\":";
    dest.append(kMsg.data(), kMsg.data() + kMsg.size());
    append_escaped(payload, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

Result<void> install_json_logger(std::string_view node_name, std::string_view level) {
  spdlog::level::level_enum lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return Fail(Errc::kBadConfig, "node.log_level: '" + std::string(level) + "' is unknown");
  }
  auto logger = std::make_shared<spdlog::logger>(
      "pactumd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  std::string name = boost::json::serialize(
      boost::json::value(boost::json::string_view(node_name.data(), node_name.size())));
  // `name` is already a JSON string; '%' in it would be a pattern flag, but
  // node names hold only A-Z a-z 0-9 . - _ (config check).
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(
      "{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\",\"node\":" + name + ",%*}");
  logger->set_formatter(std::move(formatter));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Ok();
}

void log_event(spdlog::level::level_enum level, std::string_view event,
               boost::json::object fields) {
  if (!spdlog::should_log(level)) return;
  boost::json::object line;
  line["event"] = boost::json::string_view(event.data(), event.size());
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  std::string text(1, kStructuredMark);
  text += boost::json::serialize(line);
  spdlog::log(level, "{}", text);
}

}  // namespace pactum::node::daemon
