// The TOML file `pactum mandate issue` reads: an agent's mandate scope.
// Format and example: docs/cli.md, docs/examples/mandate.toml.
#pragma once

#include <string>
#include <string_view>

#include "base/base.h"
#include "protocol/protocol.h"

namespace pactum::tools {

// Fills `out` (a Mandate builder) from TOML text. Every key is required
// unless noted in the docs; unknown keys, wrong types, bad amounts and
// contradictory values (valid_until <= valid_from, cumulative < per-contract)
// are errors naming the key (kParse / kInvalidArgument).
// `load_key` resolves a key given as base64 text or a file path.
Result<void> mandate_from_toml(std::string_view toml_text, wire::Mandate::Builder out);

// "12345.67" in major units of `currency_code` -> minor units, exactly: more
// fraction digits than the currency has is an error, never a rounding.
Result<std::int64_t> parse_amount_minor(std::string_view text, std::string_view currency_code);

}  // namespace pactum::tools
