// A readable view of any Cap'n Proto struct, for `pactum decode`: JSON with
// Data as base64 (so 32-byte keys read as `pactum key show` prints them),
// enums by name and only the active member of each union; and an indented
// text form of the same tree for people.
#pragma once

#include <capnp/dynamic.h>

#include <boost/json.hpp>
#include <string>

namespace pactum::tools {

boost::json::value to_json(capnp::DynamicStruct::Reader reader);
// "key: value" lines, nested objects indented by two spaces.
std::string to_text(const boost::json::value& v);

}  // namespace pactum::tools
