// `pactum evidence verify|report|export`: evidence bundles for dispute
// resolvers (ledger/evidence.h; format and checks in docs/evidence.md).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <toml++/toml.h>

#include "ledger/evidence.h"
#include "protocol/decode.h"
#include "protocol/settlement_codec.h"
#include "tools/cli.h"
#include "tools/evidence_report.h"
#include "tools/files.h"
#include "tools/key_io.h"

namespace pactum::tools {
namespace {

Result<std::vector<crypto::PublicKey>> load_roots(const std::vector<std::string>& keys) {
  std::vector<crypto::PublicKey> out;
  for (const std::string& k : keys) {
    PACTUM_TRY(crypto::PublicKey key, load_public_key(k));
    out.push_back(key);
  }
  if (out.empty()) return Fail(Errc::kInvalidArgument, "give the trusted org root keys with --trust");
  return out;
}

Result<ledger::Report> verify_file(const std::string& file, const std::vector<std::string>& trust) {
  PACTUM_TRY(auto roots, load_roots(trust));
  PACTUM_TRY(Bytes bytes, read_file(file));
  return ledger::verify_evidence(bytes, roots);
}

Result<void> run_verify(const std::string& file, const std::vector<std::string>& trust) {
  PACTUM_TRY(ledger::Report r, verify_file(file, trust));
  std::fputs(evidence_report_text(r).c_str(), stdout);
  if (!r.ok()) return Fail(Errc::kBadProof, file + " failed verification");
  return Ok();
}

Result<void> run_report(const std::string& file, const std::vector<std::string>& trust, const std::string& html) {
  PACTUM_TRY(ledger::Report r, verify_file(file, trust));
  std::string page = evidence_report_html(r);
  PACTUM_CHECK(write_file_atomic(html, as_bytes(page)));
  std::printf("wrote %s: %zu checks, %s\n", html.c_str(), r.checks.size(), r.ok() ? "all passed" : "FAILED");
  if (!r.ok()) return Fail(Errc::kBadProof, file + " failed verification (the report says why)");
  return Ok();
}

struct PartyFiles {
  std::string node_dir;  // A pactumd directory: node.toml, its data dir, node.cert, org.cert.
  std::string ledger_dir;
  std::string org_cert;
  std::string node_cert;
  std::string anchor_receipt;
};

struct ExportArgs {
  std::string contract_hex;
  PartyFiles buyer;
  PartyFiles seller;
  std::string tax_table;  // Cap'n Proto TaxTable (settlement.capnp), canonical or not.
  std::vector<std::string> approvals;
  std::vector<std::string> revocations;
  std::string out;
};

// Fills what the flags left empty from a node directory as the demo and
// docs/demo.md lay it out: NODE/node.toml names the data directory (its
// ledger/ is the ledger) and the NodeCertificate; NODE/org.cert is the
// organization certificate. The anchor receipt comes from the partner's ledger.
Result<void> from_node_dir(PartyFiles& p) {
  if (p.node_dir.empty()) return Ok();
  namespace fs = std::filesystem;
  const fs::path dir(p.node_dir);
  const std::string config = (dir / "node.toml").string();
  PACTUM_TRY(Bytes text, read_file(config));
  std::string data_dir = "data", node_cert = "node.cert";
  try {
    toml::table t = toml::parse(as_chars(text));
    data_dir = t["node"]["data_dir"].value_or(data_dir);
    node_cert = t["keys"]["node_certificate"].value_or(node_cert);
  } catch (const toml::parse_error& e) {
    return Fail(Errc::kParse, config + ": line " + std::to_string(e.source().begin.line) + ": " +
                                  std::string(e.description()));
  }
  auto under = [&](const std::string& f) { return fs::path(f).is_absolute() ? f : (dir / f).string(); };
  if (p.ledger_dir.empty()) p.ledger_dir = (fs::path(under(data_dir)) / "ledger").string();
  if (p.node_cert.empty()) p.node_cert = under(node_cert);
  if (p.org_cert.empty()) p.org_cert = (dir / "org.cert").string();
  return Ok();
}

Result<ledger::PartyLedgerEvidence> collect(const PartyFiles& p, ByteSpan contract_id) {
  PACTUM_TRY(auto lg, ledger::Ledger::open(p.ledger_dir));
  return ledger::collect_party_ledger(*lg, contract_id);
}

// The checkpoint an anchor receipt names is the signer's checkpoint at
// anchoring time, usually older than the latest one the ledger proves
// entries against: the bundle carries it too, so the receipt can be checked.
Result<void> add_receipt_checkpoint(ledger::PartyParts& p) {
  if (p.anchor_receipt.empty()) return Ok();
  PACTUM_TRY(auto env, protocol::decode<wire::Envelope>(p.anchor_receipt));
  auto payload = env.root().getBody().getPayload();
  if (!payload.isAnchorReceipt()) return Fail(Errc::kWrongKind, "the anchor receipt file holds another message");
  std::string note(payload.getAnchorReceipt().getCheckpoint().cStr());
  for (const ledger::CheckpointParts& c : p.checkpoints) {
    if (c.note == note) return Ok();
  }
  ledger::CheckpointParts c;
  c.note = std::move(note);
  p.checkpoints.push_back(std::move(c));
  return Ok();
}

Result<void> add_party_files(const PartyFiles& f, ledger::PartyParts& p) {
  PACTUM_TRY(p.org_certificate, read_file(f.org_cert));
  PACTUM_TRY(p.node_certificate, read_file(f.node_cert));
  if (!f.anchor_receipt.empty()) { PACTUM_TRY(p.anchor_receipt, read_file(f.anchor_receipt)); }
  if (p.anchor_receipt.empty()) return Fail(Errc::kNotFound, "no anchor receipt: the partner's ledger holds none; give --*-anchor-receipt");
  return add_receipt_checkpoint(p);
}

Result<settlement::TaxTable> load_tax_table(const std::string& file) {
  if (file.empty()) return settlement::TaxTable{};  // Terms naming no table settle with the empty one.
  PACTUM_TRY(Bytes table_bytes, read_file(file));
  PACTUM_TRY(auto table_msg, protocol::decode<wire::settlement::TaxTable>(table_bytes, protocol::Canonical::kNormalize));
  return protocol::decode_tax_table(table_msg.root());
}

Result<void> run_export(ExportArgs a) {
  PACTUM_TRY(Bytes contract_id, crypto::hex_decode(a.contract_hex));
  if (contract_id.size() != 16) return Fail(Errc::kInvalidArgument, "--contract must be 16 bytes (32 hex digits)");
  PACTUM_CHECK(from_node_dir(a.buyer));
  PACTUM_CHECK(from_node_dir(a.seller));
  for (const PartyFiles* p : {&a.buyer, &a.seller}) {
    if (p->ledger_dir.empty() || p->org_cert.empty() || p->node_cert.empty())
      return Fail(Errc::kInvalidArgument, "each party needs --*-node DIR or --*-ledger, --*-org-cert and --*-node-cert");
  }
  PACTUM_TRY(settlement::TaxTable table, load_tax_table(a.tax_table));
  PACTUM_TRY(auto buyer, collect(a.buyer, contract_id));
  PACTUM_TRY(auto seller, collect(a.seller, contract_id));
  PACTUM_TRY(ledger::EvidenceParts parts, ledger::assemble_evidence(buyer, seller, table));
  PACTUM_CHECK(add_party_files(a.buyer, parts.buyer));
  PACTUM_CHECK(add_party_files(a.seller, parts.seller));
  for (const std::string& f : a.approvals) {
    PACTUM_TRY(Bytes b, read_file(f));
    parts.approvals.push_back(std::move(b));
  }
  for (const std::string& f : a.revocations) {
    PACTUM_TRY(Bytes b, read_file(f));
    parts.revocations.push_back(std::move(b));
  }
  PACTUM_TRY(Bytes bundle, ledger::build_evidence(parts));
  PACTUM_CHECK(write_file_atomic(a.out, bundle));
  std::printf("wrote %s: %zu bytes, bundle %s\n", a.out.c_str(), bundle.size(),
              to_hex(ledger::evidence_hash(bundle)).c_str());
  return Ok();
}

void add_party_options(CLI::App* cmd, const std::string& side, PartyFiles& p) {
  cmd->add_option("--" + side + "-node", p.node_dir,
                  "the " + side + "'s pactumd directory (node.toml, its data dir, node.cert, org.cert)");
  cmd->add_option("--" + side + "-ledger", p.ledger_dir, "the " + side + " node's ledger directory");
  cmd->add_option("--" + side + "-org-cert", p.org_cert, "the " + side + "'s OrgCertificate envelope file");
  cmd->add_option("--" + side + "-node-cert", p.node_cert, "the " + side + "'s NodeCertificate envelope file");
  cmd->add_option("--" + side + "-anchor-receipt", p.anchor_receipt,
                  "the AnchorReceipt envelope the " + side + "'s node signed (default: from the partner's ledger)");
}

}  // namespace

void add_evidence_commands(CLI::App& app) {
  CLI::App* ev = app.add_subcommand("evidence", "evidence bundles for dispute resolvers");
  ev->require_subcommand(1);

  auto trust = std::make_shared<std::vector<std::string>>();
  auto file = std::make_shared<std::string>();
  CLI::App* verify = ev->add_subcommand("verify", "verify a bundle offline; one line per check, exit 1 on any failure");
  verify->add_option("file", *file, "the evidence bundle")->required();
  verify->add_option("--trust", *trust, "trusted org root keys (base64 or key files)")->required();
  verify->callback(command([file, trust] { return run_verify(*file, *trust); }));

  auto rfile = std::make_shared<std::string>();
  auto rtrust = std::make_shared<std::vector<std::string>>();
  auto html = std::make_shared<std::string>();
  CLI::App* report = ev->add_subcommand("report", "verify a bundle and write a readable HTML report");
  report->add_option("file", *rfile, "the evidence bundle")->required();
  report->add_option("--trust", *rtrust, "trusted org root keys (base64 or key files)")->required();
  report->add_option("--html", *html, "the HTML file to write")->required();
  report->callback(command([rfile, rtrust, html] { return run_report(*rfile, *rtrust, *html); }));

  auto args = std::make_shared<ExportArgs>();
  CLI::App* exp = ev->add_subcommand("export", "build a contract's bundle from both parties' ledgers and files");
  exp->add_option("--contract", args->contract_hex, "contract id, 32 hex digits")->required();
  add_party_options(exp, "buyer", args->buyer);
  add_party_options(exp, "seller", args->seller);
  exp->add_option("--tax-table", args->tax_table,
                  "the TaxTable (Cap'n Proto, settlement.capnp) the terms name (default: none, the empty table)");
  exp->add_option("--approval", args->approvals, "Approve envelope files of escalated messages");
  exp->add_option("--revocation", args->revocations, "Revocation envelope files");
  exp->add_option("--out", args->out, "the bundle file to write")->required();
  exp->callback(command([args] { return run_export(*args); }));
}

}  // namespace pactum::tools
