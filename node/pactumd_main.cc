// pactumd: the pactum node daemon. main() wires the parts: config, identity,
// JSON logs, the Daemon (core + transport + ledger + agent API + metrics),
// and signal handling. Exit codes: 0 after a clean drain, 2 for a bad
// configuration (one line naming the key), 1 for any other start-up failure.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "crypto/crypto.h"
#include "node/core/core.h"
#include "node/daemon/config.h"
#include "node/daemon/daemon.h"
#include "node/daemon/log.h"

namespace {

constexpr int kExitBadConfig = 2;
constexpr int kExitFailure = 1;

int fail(const pactum::Error& e) {
  std::fprintf(stderr, "pactumd: %s\n", e.to_string().c_str());
  return e.code == pactum::Errc::kBadConfig ? kExitBadConfig : kExitFailure;
}

// Tells a supervisor or test the bound ports: JSON written atomically.
bool write_ready_file(const std::string& path, const pactum::node::daemon::Ports& p) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"pid\":" << ::getpid() << ",\"peer\":" << p.peer << ",\"api\":" << p.api
        << ",\"metrics\":" << p.metrics << "}\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  namespace d = pactum::node::daemon;
  CLI::App app{"pactumd: the pactum node daemon"};
  std::string config_path, ready_file;
  bool check_only = false;
  app.add_option("--config", config_path, "Node configuration (docs/node-config.md)")->required();
  app.add_option("--ready-file", ready_file,
                 "Write {\"pid\",\"peer\",\"api\",\"metrics\"} here once serving");
  app.add_flag("--check-config", check_only, "Check the config and the files it names, then exit");
  CLI11_PARSE(app, argc, argv);

  if (auto r = pactum::crypto::init(); !r) return fail(r.error());
  auto config = d::load_config(config_path);
  if (!config) return fail(config.error());
  std::optional<std::string> pass;
  if (const char* env = std::getenv(std::string(pactum::crypto::kPassphraseEnv).c_str())) pass = env;
  auto identity = d::load_identity(*config, pass);
  if (!identity) return fail(identity.error());
  if (check_only) {
    std::printf("pactumd: %s: OK\n", config_path.c_str());
    return 0;
  }
  if (auto r = d::install_json_logger(config->node_name, config->log_level); !r) return fail(r.error());

  boost::asio::io_context io;
  auto daemon = d::Daemon::start(io, std::move(*config), std::move(*identity),
                                 [](const pactum::node::CoreConfig& c) {
                                   return pactum::node::NodeCore::create(c);
                                 });
  if (!daemon) {
    d::log_event(spdlog::level::err, "start_failed", {{"error", daemon.error().to_string()}});
    spdlog::default_logger()->flush();
    return fail(daemon.error());
  }
  if (!ready_file.empty() && !write_ready_file(ready_file, (*daemon)->ports())) {
    std::fprintf(stderr, "pactumd: cannot write --ready-file %s\n", ready_file.c_str());
    return kExitFailure;
  }
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    d::log_event(spdlog::level::info, "signal", {{"signal", sig}});
    (*daemon)->shutdown([&io] { io.stop(); });
  });
  io.run();
  daemon->reset();
  spdlog::default_logger()->flush();
  return 0;
}
