#include "common/names.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/status_macros.h"

namespace cases {

std::string TenantName(absl::string_view tenant_id) {
  return absl::StrCat("tenants/", IdToText(tenant_id));
}

std::string ChildName(absl::string_view tenant_id, absl::string_view collection,
                      absl::string_view id) {
  return absl::StrCat("tenants/", IdToText(tenant_id), "/", collection, "/", IdToText(id));
}

std::optional<std::string> LastIdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return IdFromText(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<std::string> TenantOfName(absl::string_view name, absl::string_view field,
                                         bool allow_all) {
  if (name.empty()) {
    return InvalidField(std::string(field), "required");
  }
  if (!absl::StartsWith(name, "tenants/")) {
    return InvalidField(std::string(field), "must start with tenants/{tenant}");
  }
  absl::string_view rest = name.substr(8);
  absl::string_view segment = rest.substr(0, rest.find('/'));
  if (segment == "-") {
    if (allow_all && rest.size() == 1) {
      return std::string("-");
    }
    return InvalidField(std::string(field),
                        "tenants/- is only allowed as the parent of a List call");
  }
  auto id = IdFromText(segment);
  if (!id.has_value()) {
    return InvalidField(std::string(field), "tenant id must be a lower-case UUID");
  }
  return *id;
}

const std::string& ParsedName::id() const {
  static const std::string kNone;
  return ids.empty() ? kNone : ids.back();
}

absl::StatusOr<ParsedName> ParseName(absl::string_view name, absl::string_view field,
                                     absl::string_view pattern, bool allow_all) {
  std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  const std::string shape = absl::StrCat("must be ", pattern);
  ParsedName out;
  ASSIGN_OR_RETURN(out.tenant_id, TenantOfName(name, field, allow_all && want.size() == 2));
  if (got.size() != want.size()) {
    return InvalidField(std::string(field), shape);
  }
  for (size_t i = 2; i < want.size(); ++i) {
    if (!absl::StartsWith(want[i], "{")) {
      if (got[i] != want[i]) {
        return InvalidField(std::string(field), shape);
      }
      continue;
    }
    auto id = IdFromText(got[i]);
    if (!id.has_value()) {
      return InvalidField(std::string(field), absl::StrCat(shape, " with lower-case UUID ids"));
    }
    out.ids.push_back(*std::move(id));
  }
  return out;
}

absl::StatusOr<std::string> ParseChildName(absl::string_view name, absl::string_view field,
                                           absl::string_view tenant_id,
                                           absl::string_view collection) {
  ASSIGN_OR_RETURN(ParsedName parsed,
                   ParseName(name, field, absl::StrCat("tenants/{tenant}/", collection, "/{id}")));
  if (parsed.tenant_id != tenant_id) {
    return InvalidField(std::string(field), "must be in the same tenant as the request");
  }
  return parsed.id();
}

}  // namespace cases
