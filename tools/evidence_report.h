// Rendering an evidence verification Report (ledger/evidence.h) for people:
// one line per check for the terminal, and a self-contained HTML page (no
// scripts, no external resources; every text escaped). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "ledger/evidence.h"

namespace pactum::tools {

// "ok   name: detail" / "FAIL name: detail", one line per check, then a summary line.
std::string evidence_report_text(const ledger::Report& report);
// The whole HTML document.
std::string evidence_report_html(const ledger::Report& report);
// HTML-escapes & < > " ' (text and attribute values).
std::string html_escape(std::string_view text);

}  // namespace pactum::tools
