#include "tools/json_view.h"

#include "crypto/crypto.h"

namespace pactum::tools {
namespace {

boost::json::value value_to_json(capnp::DynamicValue::Reader v);

boost::json::value list_to_json(capnp::DynamicList::Reader list) {
  boost::json::array out;
  for (auto item : list) out.push_back(value_to_json(item));
  return out;
}

boost::json::value value_to_json(capnp::DynamicValue::Reader v) {
  switch (v.getType()) {
    case capnp::DynamicValue::VOID: return nullptr;
    case capnp::DynamicValue::BOOL: return v.as<bool>();
    case capnp::DynamicValue::INT: return v.as<std::int64_t>();
    case capnp::DynamicValue::UINT: return v.as<std::uint64_t>();
    case capnp::DynamicValue::FLOAT: return "<float not used by pactum>";
    case capnp::DynamicValue::TEXT: return boost::json::string(v.as<capnp::Text>().cStr());
    case capnp::DynamicValue::DATA: {
      auto d = v.as<capnp::Data>();
      return boost::json::string(crypto::base64_encode(ByteSpan(d.begin(), d.size())));
    }
    case capnp::DynamicValue::LIST: return list_to_json(v.as<capnp::DynamicList>());
    case capnp::DynamicValue::ENUM: {
      auto e = v.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE(named, e.getEnumerant()) {
        return boost::json::string(named->getProto().getName().cStr());
      }
      return e.getRaw();
    }
    case capnp::DynamicValue::STRUCT: return to_json(v.as<capnp::DynamicStruct>());
    case capnp::DynamicValue::CAPABILITY:
    case capnp::DynamicValue::ANY_POINTER:
    case capnp::DynamicValue::UNKNOWN:
      return "<not shown>";
  }
  return nullptr;
}

void text_into(const boost::json::value& v, int indent, std::string& out);

void scalar_into(const boost::json::value& v, std::string& out) {
  if (v.is_string()) {
    out += v.as_string().c_str();
  } else {
    out += boost::json::serialize(v);
  }
}

void text_into(const boost::json::value& v, int indent, std::string& out) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      out += pad;
      out += std::string(kv.key());
      out += ":";
      if (kv.value().is_object() || (kv.value().is_array() && !kv.value().as_array().empty())) {
        out += "\n";
        text_into(kv.value(), indent + 2, out);
      } else {
        out += " ";
        if (kv.value().is_array()) out += "[]";
        else scalar_into(kv.value(), out);
        out += "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& item : v.as_array()) {
      out += pad + "-";
      if (item.is_object() || item.is_array()) {
        out += "\n";
        text_into(item, indent + 2, out);
      } else {
        out += " ";
        scalar_into(item, out);
        out += "\n";
      }
    }
  } else {
    out += pad;
    scalar_into(v, out);
    out += "\n";
  }
}

}  // namespace

boost::json::value to_json(capnp::DynamicStruct::Reader reader) {
  boost::json::object out;
  auto schema = reader.getSchema();
  for (auto field : schema.getNonUnionFields()) {
    if (!reader.has(field)) continue;
    out[field.getProto().getName().cStr()] = value_to_json(reader.get(field));
  }
  KJ_IF_MAYBE(active, reader.which()) {
    out[active->getProto().getName().cStr()] = value_to_json(reader.get(*active));
  }
  return out;
}

std::string to_text(const boost::json::value& v) {
  std::string out;
  text_into(v, 0, out);
  return out;
}

}  // namespace pactum::tools
