#include "sql/list_query.h"

#include <cppconn/prepared_statement.h>

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/page_token.h"
#include "common/status_macros.h"
#include "sql/db_time.h"

namespace cases::sql {
namespace {

const FilterField* FindField(const std::vector<FilterField>& fields, absl::string_view name) {
  for (const FilterField& f : fields) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

std::string FieldNames(const std::vector<FilterField>& fields) {
  std::vector<std::string> names;
  for (const FilterField& f : fields) {
    if (!f.name.empty()) {  // the text search has none
      names.push_back(f.name);
    }
  }
  return absl::StrJoin(names, ", ");
}

absl::Status BadValue(const FilterExpr& e, absl::string_view why) {
  return FilterError(absl::StrCat("bad value '", e.value, "' for ", e.field, " at position ",
                                  e.position, ": ", why));
}

// `text` with LIKE's wildcards and escape character taken literally.
std::string LikeEscaped(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// A facet value folded as the facet rows hold it: lower-cased, or upper-cased for
// a field with dotted children (ATT&CK techniques).
std::string FacetValue(const FilterField& f, absl::string_view value) {
  return f.prefix ? absl::AsciiStrToUpper(value) : absl::AsciiStrToLower(value);
}

std::string SqlOp(const std::string& op) { return op == ":" ? "=" : op == "!=" ? "<>" : op; }

// The enum value a literal names, in full or without its prefix (HIGH for SEVERITY_HIGH).
absl::StatusOr<int64_t> EnumValue(const FilterField& f, const FilterExpr& e) {
  const auto* value = f.enum_type->FindValueByName(e.value);
  for (int i = 0; i < f.enum_type->value_count() && value == nullptr; ++i) {
    const auto* v = f.enum_type->value(i);
    if (absl::EndsWith(v->name(), "_" + e.value) && v->number() != 0) {
      value = v;
    }
  }
  if (value == nullptr || value->number() == 0) {
    std::vector<std::string> names;
    for (int i = 1; i < f.enum_type->value_count(); ++i) {
      names.push_back(f.enum_type->value(i)->name());
    }
    return BadValue(e, absl::StrCat("one of ", absl::StrJoin(names, ", ")));
  }
  return int64_t{value->number()};
}

// The 16-byte id of a tenants/{t}/{collection}/{id} literal.
absl::StatusOr<std::string> ResourceId(const FilterField& f, const FilterExpr& e) {
  std::vector<absl::string_view> parts = absl::StrSplit(e.value, '/');
  std::optional<std::string> id;
  if (f.collection.empty() && parts.size() == 2 && parts[0] == "tenants") {
    id = IdFromText(parts[1]);
  } else if (parts.size() == 4 && parts[0] == "tenants" && parts[2] == f.collection) {
    id = IdFromText(parts[3]);
  }
  if (!id.has_value()) {
    return BadValue(
        e, f.collection.empty()
               ? std::string("a tenant name like tenants/{tenant}, or \"\"")
               : absl::StrCat("a name like tenants/{tenant}/", f.collection, "/{id}, or \"\""));
  }
  return *id;
}

// `column op ?`, or its NULL-aware inequality for nullable columns.
void AppendComparison(const FilterField& f, const std::string& op, SqlParam param,
                      SqlCondition* out) {
  if (op == "!=" && f.nullable) {
    absl::StrAppend(&out->sql, "(", f.column, " IS NULL OR ", f.column, " <> ?)");
  } else {
    absl::StrAppend(&out->sql, f.column, " ", SqlOp(op), " ?");
  }
  out->params.push_back(std::move(param));
}

// One `field op value` term.
absl::Status CompileComparison(const FilterField& f, const FilterExpr& e, SqlCondition* out) {
  const bool equality = e.op == "=" || e.op == "!=" || e.op == ":";
  switch (f.type) {
    case FieldType::kEnum: {
      ASSIGN_OR_RETURN(int64_t value, EnumValue(f, e));
      AppendComparison(f, e.op, value, out);
      return absl::OkStatus();
    }
    case FieldType::kInt: {
      int64_t n = 0;
      absl::string_view v = e.value;
      absl::ConsumePrefix(&v, "CASE-");
      if (!absl::SimpleAtoi(v, &n)) {
        return BadValue(e, "a whole number");
      }
      AppendComparison(f, e.op, n, out);
      return absl::OkStatus();
    }
    case FieldType::kTime: {
      absl::Time t;
      std::string err;
      if (e.op == ":" || !absl::ParseTime(absl::RFC3339_full, e.value, &t, &err)) {
        return BadValue(
            e, "an RFC 3339 time such as \"2026-01-31T00:00:00Z\", compared with = != < <= > >=");
      }
      AppendComparison(f, e.op, FormatDbTime(t), out);
      return absl::OkStatus();
    }
    case FieldType::kString:
      if (!equality) {
        return BadValue(e, f.substring ? "text is compared with =, != or : (contains)"
                                       : "text is compared with = or !=");
      }
      if (f.substring && e.op == ":") {
        absl::StrAppend(&out->sql, "LOWER(", f.column, ") LIKE ?");
        out->params.push_back(absl::StrCat("%", LikeEscaped(absl::AsciiStrToLower(e.value)), "%"));
        return absl::OkStatus();
      }
      if (f.prefix && e.op != ":" && absl::EndsWith(e.value, "*")) {
        absl::StrAppend(&out->sql, f.column, e.op == "!=" ? " NOT LIKE ?" : " LIKE ?");
        out->params.push_back(absl::StrCat(
            LikeEscaped(absl::string_view(e.value).substr(0, e.value.size() - 1)), "%"));
        return absl::OkStatus();
      }
      AppendComparison(f, e.op, e.value, out);
      return absl::OkStatus();
    case FieldType::kFacet: {
      if (e.op != ":") {
        return BadValue(e, "a list is tested with : (has), e.g. tags:\"phishing\"");
      }
      if (e.value.empty() || e.value.size() > 255) {
        return BadValue(e, "1 to 255 characters");
      }
      const std::string value = FacetValue(f, e.value);
      absl::StrAppend(&out->sql, f.column, f.prefix ? "(value = ? OR value LIKE ?)" : "value = ?",
                      " LIMIT 1) IS NOT NULL");
      out->params.push_back(value);
      if (f.prefix) {
        out->params.push_back(absl::StrCat(LikeEscaped(value), ".%"));
      }
      return absl::OkStatus();
    }
    case FieldType::kMember: {
      if (e.op != ":") {
        return BadValue(e, absl::StrCat("a link is tested with : (has), e.g. ", f.name,
                                        ":\"tenants/{tenant}/", f.collection, "/{id}\""));
      }
      ASSIGN_OR_RETURN(std::string id, ResourceId(f, e));
      absl::StrAppend(&out->sql, f.column, "? LIMIT 1) IS NOT NULL");
      out->params.push_back(std::move(id));
      return absl::OkStatus();
    }
    case FieldType::kText: {
      ASSIGN_OR_RETURN(std::string query, FullTextQuery(e.value, e.position));
      absl::StrAppend(&out->sql, f.column, "MATCH(body) AGAINST (? IN BOOLEAN MODE))");
      out->params.push_back(std::move(query));
      return absl::OkStatus();
    }
    case FieldType::kResource: {
      if (!equality) {
        return BadValue(e, "names are compared with = or !=");
      }
      if (e.value.empty()) {
        absl::StrAppend(&out->sql, f.column, e.op == "!=" ? " IS NOT NULL" : " IS NULL");
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(std::string id, ResourceId(f, e));
      // Every resource column is nullable in its NULL-aware inequality.
      FilterField nullable = f;
      nullable.nullable = true;
      AppendComparison(nullable, e.op == ":" ? "=" : e.op, id, out);
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown field type");
}

absl::Status Compile(const std::vector<FilterField>& fields, const FilterExpr& e,
                     SqlCondition* out) {
  switch (e.kind) {
    case FilterExpr::Kind::kAnd:
    case FilterExpr::Kind::kOr: {
      out->sql += "(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i > 0) {
          out->sql += e.kind == FilterExpr::Kind::kAnd ? " AND " : " OR ";
        }
        RETURN_IF_ERROR(Compile(fields, e.children[i], out));
      }
      out->sql += ")";
      return absl::OkStatus();
    }
    case FilterExpr::Kind::kNot: {
      out->sql += "NOT (";
      RETURN_IF_ERROR(Compile(fields, e.children.front(), out));
      out->sql += ")";
      return absl::OkStatus();
    }
    case FilterExpr::Kind::kCompare:
      break;
  }
  const FilterField* f = FindField(fields, e.field);
  if (f == nullptr && e.field.empty()) {
    return FilterError(absl::StrCat("'", e.value, "' at position ", e.position,
                                    " stands alone, but this list has no text search; write "
                                    "field op value with one of: ",
                                    FieldNames(fields)));
  }
  if (f == nullptr) {
    return FilterError(absl::StrCat("unknown field '", e.field, "' at position ", e.position,
                                    "; filterable fields: ", FieldNames(fields)));
  }
  return CompileComparison(*f, e, out);
}

// "create_time desc" → ("create_time", true); errors name order_by.
absl::StatusOr<std::pair<const OrderOption*, bool>> ParseOrder(const ListSchema& schema,
                                                               absl::string_view order_by) {
  std::vector<absl::string_view> words =
      absl::StrSplit(order_by.empty() ? absl::string_view(schema.default_order) : order_by, ' ',
                     absl::SkipWhitespace());
  std::vector<std::string> allowed;
  for (const OrderOption& o : schema.orders) {
    allowed.push_back(o.field);
  }
  const std::string hint = absl::StrCat("order_by is one of ", absl::StrJoin(allowed, ", "),
                                        ", optionally followed by asc or desc");
  if (words.empty() || words.size() > 2 ||
      (words.size() == 2 && words[1] != "desc" && words[1] != "asc")) {
    return InvalidField("order_by", hint);
  }
  for (const OrderOption& o : schema.orders) {
    if (o.field == words[0]) {
      return std::make_pair(&o, words.size() == 2 && words[1] == "desc");
    }
  }
  return InvalidField("order_by", absl::StrCat("unknown field '", words[0], "'; ", hint));
}

std::string SortValueText(::sql::ResultSet& rs, int index, FieldType type) {
  if (type == FieldType::kInt || type == FieldType::kEnum) {
    return std::to_string(rs.getInt64(index));
  }
  return rs.getString(index);
}

absl::StatusOr<SqlParam> SortValueParam(const std::string& text, FieldType type) {
  if (type == FieldType::kInt || type == FieldType::kEnum) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(text, &n)) {
      return InvalidField("page_token", "not a page token of this service");
    }
    return SqlParam(n);
  }
  return SqlParam(text);
}

// A letter, digit or `_` of a full-text word (bytes of multi-byte UTF-8 letters included).
bool IsWordByte(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

size_t Utf8Length(absl::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

absl::StatusOr<std::string> FullTextQuery(absl::string_view term, size_t position) {
  constexpr size_t kMinWord = 3;
  constexpr size_t kMaxWords = 16;
  std::vector<std::string> words;
  size_t i = 0;
  while (i < term.size()) {
    if (!IsWordByte(term[i])) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < term.size() && IsWordByte(term[i])) {
      ++i;
    }
    const absl::string_view word = term.substr(start, i - start);
    const bool prefix = i < term.size() && term[i] == '*';
    if (Utf8Length(word) >= kMinWord) {
      words.push_back(absl::StrCat("+", word, prefix ? "*" : ""));
    }
  }
  if (words.empty()) {
    return FilterError(absl::StrCat("the text term '", term, "' at position ", position,
                                    " has no word of ", kMinWord,
                                    " or more letters or digits to search for"));
  }
  if (words.size() > kMaxWords) {
    return FilterError(absl::StrCat("the text term '", term, "' at position ", position,
                                    " has more than ", kMaxWords, " words"));
  }
  return absl::StrJoin(words, " ");
}

std::string Placeholders(size_t n, absl::string_view group) {
  std::string out;
  out.reserve(n * (group.size() + 2));
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", group);
  }
  return out;
}

void InsertRows(Lease& db, absl::string_view head, absl::string_view group, absl::string_view tail,
                size_t n, absl::FunctionRef<int(::sql::PreparedStatement&, int, size_t)> bind) {
  ::sql::PreparedStatement* full = nullptr;
  for (size_t first = 0; first < n; first += kRowsPerInsert) {
    const size_t rows = std::min(kRowsPerInsert, n - first);
    ::sql::PreparedStatement* stmt = rows == kRowsPerInsert ? full : nullptr;
    if (stmt == nullptr) {
      stmt = &db.PrepareRepeated(absl::StrCat(head, Placeholders(rows, group), tail), rows);
    }
    if (rows == kRowsPerInsert) {
      full = stmt;
    }
    int k = 1;
    for (size_t i = first; i < first + rows; ++i) {
      k = bind(*stmt, k, i);
    }
    stmt->execute();
  }
}

int BindParams(::sql::PreparedStatement& stmt, const std::vector<SqlParam>& params, int first) {
  int index = first;
  for (const SqlParam& p : params) {
    if (const int64_t* n = std::get_if<int64_t>(&p)) {
      stmt.setInt64(index++, *n);
    } else {
      stmt.setString(index++, std::get<std::string>(p));
    }
  }
  return index;
}

absl::StatusOr<SqlCondition> CompileFilter(const std::vector<FilterField>& fields,
                                           absl::string_view filter) {
  ASSIGN_OR_RETURN(auto parsed, ParseFilter(filter));
  SqlCondition out;
  if (parsed.has_value()) {
    RETURN_IF_ERROR(Compile(fields, *parsed, &out));
  }
  return out;
}

absl::StatusOr<RowFilter> RowFilter::Compile(const std::vector<FilterField>& fields,
                                             absl::string_view filter) {
  ASSIGN_OR_RETURN(auto parsed, ParseFilter(filter));
  RowFilter out;
  if (parsed.has_value()) {
    SqlCondition checked;
    RETURN_IF_ERROR(cases::sql::Compile(fields, *parsed, &checked));
  }
  out.fields_ = fields;
  out.expr_ = std::move(parsed);
  return out;
}

bool RowFilter::Matches(const ValueOf& value_of, const ValuesOf& values_of) const {
  return !expr_.has_value() || Eval(*expr_, value_of, values_of);
}

bool RowFilter::Eval(const FilterExpr& e, const ValueOf& value_of,
                     const ValuesOf& values_of) const {
  switch (e.kind) {
    case FilterExpr::Kind::kAnd:
      return std::all_of(e.children.begin(), e.children.end(),
                         [&](const FilterExpr& c) { return Eval(c, value_of, values_of); });
    case FilterExpr::Kind::kOr:
      return std::any_of(e.children.begin(), e.children.end(),
                         [&](const FilterExpr& c) { return Eval(c, value_of, values_of); });
    case FilterExpr::Kind::kNot:
      return !Eval(e.children.front(), value_of, values_of);
    case FilterExpr::Kind::kCompare:
      break;
  }
  const FilterField& f = *FindField(fields_, e.field);  // checked by Compile
  if (f.type == FieldType::kText || f.type == FieldType::kMember) {
    return false;  // full-text documents and links live in SQL only
  }
  if (f.type == FieldType::kFacet) {
    if (values_of == nullptr) {
      return false;
    }
    SqlCondition literal;  // the literal as SQL binds it: folded, then the prefix pattern
    if (!CompileComparison(f, e, &literal).ok()) {
      return false;
    }
    const std::string& want = std::get<std::string>(literal.params.front());
    for (const std::string& v : values_of(f)) {
      const std::string have = FacetValue(f, v);
      if (have == want || (f.prefix && absl::StartsWith(have, absl::StrCat(want, ".")))) {
        return true;
      }
    }
    return false;
  }
  const FieldValue value = value_of(f);
  if (f.type == FieldType::kString && f.prefix && e.op != ":" && absl::EndsWith(e.value, "*")) {
    const bool starts = absl::StartsWith(std::get<std::string>(value),
                                         absl::string_view(e.value).substr(0, e.value.size() - 1));
    return starts == (e.op == "=");
  }
  if (f.substring && e.op == ":") {
    return absl::StrContains(absl::AsciiStrToLower(std::get<std::string>(value)),
                             absl::AsciiStrToLower(e.value));
  }
  SqlCondition literal;
  if (!CompileComparison(f, e, &literal).ok()) {
    return false;
  }
  if (literal.params.empty()) {  // a resource compared with "": none
    return std::get<std::string>(value).empty() == (e.op != "!=");
  }
  const FieldValue& want = literal.params.front();
  const std::string& op = e.op;
  if (op == "=" || op == ":") {
    return value == want;
  }
  if (op == "!=") {
    return value != want;
  }
  return op == "<"    ? value < want
         : op == "<=" ? value <= want
         : op == ">"  ? value > want
                      : value >= want;
}

namespace {

// `AND (tenant_id IN (..) AND column IN (..)) OR ...`: what each tenant may show;
// `AND column IN (..)` when one arm holds every tenant of the list.
void AppendValueScope(const ValueScope& scope, const std::vector<std::string>& tenant_ids,
                      std::string* sql, std::vector<SqlParam>* binds) {
  if (scope.column.empty()) {
    return;
  }
  if (scope.arms.size() == 1 && scope.arms.front().tenant_ids == tenant_ids) {
    const std::vector<int64_t>& values = scope.arms.front().values;
    absl::StrAppend(sql, " AND ", scope.column, " IN (", Placeholders(values.size()), ")");
    binds->insert(binds->end(), values.begin(), values.end());
    return;
  }
  std::vector<std::string> arms;
  for (const ValueScope::Arm& arm : scope.arms) {
    arms.push_back(absl::StrCat("(tenant_id IN (", Placeholders(arm.tenant_ids.size()), ") AND ",
                                scope.column, " IN (", Placeholders(arm.values.size()), "))"));
    binds->insert(binds->end(), arm.tenant_ids.begin(), arm.tenant_ids.end());
    binds->insert(binds->end(), arm.values.begin(), arm.values.end());
  }
  absl::StrAppend(sql, " AND (", absl::StrJoin(arms, " OR "), ")");
}

// Whether a list narrows to its tenants' shared partner (ListSchema::partner).
bool UsesPartner(const ListSchema& schema, const ListParams& params) {
  return !schema.partner.column.empty() && !params.partner_id.empty() &&
         params.tenant_ids.size() > 1;
}

// The members of the list's partner that the list does not show, when that is
// the shorter way to name its tenants: the tenants it shows (those of its one
// value arm, if it has value scopes) are all members and outnumber the rest. A
// partner's admin then lists with `partner_id = ?` alone: MariaDB reads the
// partner index with no IN list of 1 000 ids to weigh and bind on every call.
// nullopt: name the tenants themselves.
std::optional<std::vector<std::string>> PartnerLeftOut(const ListParams& params) {
  if (params.partner_members == nullptr ||
      (!params.values.column.empty() && params.values.arms.size() != 1)) {
    return std::nullopt;
  }
  const std::vector<std::string>& shown =
      params.values.column.empty() ? params.tenant_ids : params.values.arms.front().tenant_ids;
  const absl::flat_hash_set<absl::string_view> shown_set(shown.begin(), shown.end());
  std::vector<std::string> left_out;
  for (const std::string& member : *params.partner_members) {
    if (shown_set.count(member) == 0) {
      left_out.push_back(member);
    }
  }
  // Every shown tenant is a member exactly when the counts add up.
  if (shown_set.size() + left_out.size() != params.partner_members->size() ||
      left_out.size() >= shown_set.size()) {
    return std::nullopt;
  }
  return left_out;
}

// Keyset: (a, b, c) after the last row, written out so the index range is used:
// a < ? OR (a = ? AND (b < ? OR (b = ? AND c < ?))).
absl::Status AppendKeyset(const OrderOption& option, bool desc,
                          const std::vector<std::string>& last, std::string* sql,
                          std::vector<SqlParam>* binds) {
  if (last.empty()) {
    return absl::OkStatus();
  }
  const std::string cmp = desc ? " < ?" : " > ?";
  std::string keyset;
  for (size_t i = option.columns.size(); i-- > 0;) {
    const std::string& col = option.columns[i].column;
    keyset = keyset.empty() ? absl::StrCat(col, cmp)
                            : absl::StrCat(col, cmp, " OR (", col, " = ? AND (", keyset, "))");
  }
  absl::StrAppend(sql, " AND (", keyset, ")");
  for (size_t i = 0; i < option.columns.size(); ++i) {
    ASSIGN_OR_RETURN(SqlParam p, SortValueParam(last[i], option.columns[i].type));
    binds->push_back(p);
    if (i + 1 < option.columns.size()) {
      binds->push_back(p);
    }
  }
  return absl::OkStatus();
}

// A facet value every row the filter selects holds (`tags:"x"` alone or as a term
// of the top-level AND): its kind and the value as the facet rows hold it.
std::optional<std::pair<int, std::string>> RequiredFacet(const std::vector<FilterField>& fields,
                                                         absl::string_view filter) {
  absl::StatusOr<std::optional<FilterExpr>> expr = ParseFilter(filter);
  if (!expr.ok() || !expr->has_value()) {
    return std::nullopt;
  }
  const FilterExpr& root = **expr;
  const std::vector<FilterExpr> alone = {root};
  for (const FilterExpr& e : root.kind == FilterExpr::Kind::kAnd ? root.children : alone) {
    const FilterField* f =
        e.kind == FilterExpr::Kind::kCompare ? FindField(fields, e.field) : nullptr;
    if (f != nullptr && f->type == FieldType::kFacet && f->facet_kind != 0 && e.op == ":") {
      return std::make_pair(f->facet_kind, FacetValue(*f, e.value));
    }
  }
  return std::nullopt;
}

// Where a page is read from when the schema's facet index serves it (see
// ListSchema::facets): that index's rows of the one tenant and the required value,
// joined to the table's rows; with its parameters and the order's columns as this
// FROM names them (facet_create_time, ...).
struct FacetFrom {
  std::string sql;
  std::vector<SqlParam> params;
  OrderOption order;
};

std::optional<FacetFrom> FacetIndexFrom(const ListSchema& schema, const OrderOption& option,
                                        const ListParams& params) {
  if (schema.facets.table.empty() || option.field != schema.facets.order ||
      params.tenant_ids.size() != 1) {
    return std::nullopt;
  }
  std::optional<std::pair<int, std::string>> facet = RequiredFacet(schema.fields, params.filter);
  if (!facet.has_value()) {
    return std::nullopt;
  }
  FacetFrom from{"", {}, option};
  std::vector<std::string> picked;
  for (SortColumn& c : from.order.columns) {
    picked.push_back(absl::StrCat(c.column, " AS facet_", c.column));
    c.column = absl::StrCat("facet_", c.column);
  }
  const std::string& id = option.columns.back().column;  // the row's id, the tie-break
  // STRAIGHT_JOIN: the facet rows first, in the index's order, so LIMIT ends the read.
  from.sql = absl::StrCat(
      "(SELECT ", absl::StrJoin(picked, ", "), " FROM ", schema.facets.table,
      " WHERE tenant_id = ? AND kind = ? AND value = ?) AS facet STRAIGHT_JOIN ", schema.table,
      " ON ", schema.table, ".tenant_id = ? AND ", schema.table, ".", id, " = facet_", id);
  const std::string& tenant_id = params.tenant_ids.front();
  from.params = {tenant_id, int64_t{facet->first}, std::move(facet->second), tenant_id};
  return from;
}

// The rows of one page, each passed to `read_row`; the next page's token.
std::string ReadPage(Lease& db, const std::string& sql, const std::vector<SqlParam>& binds,
                     const OrderOption& option, int page_size, const std::string& fingerprint,
                     const std::function<void(::sql::ResultSet&)>& read_row) {
  auto& stmt = db.Prepare(sql);
  BindParams(stmt, binds);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  const int first_sort = static_cast<int>(rs->getMetaData()->getColumnCount()) -
                         static_cast<int>(option.columns.size()) + 1;
  int rows = 0;
  std::vector<std::string> last_key;
  while (rs->next()) {
    if (rows == page_size) {
      return EncodePageToken(fingerprint, last_key);
    }
    read_row(*rs);
    last_key.clear();
    for (size_t i = 0; i < option.columns.size(); ++i) {
      last_key.push_back(
          SortValueText(*rs, first_sort + static_cast<int>(i), option.columns[i].type));
    }
    ++rows;
  }
  return std::string();
}

}  // namespace

absl::StatusOr<std::optional<SqlCondition>> ListWhere(const ListSchema& schema,
                                                      const ListParams& params) {
  ASSIGN_OR_RETURN(SqlCondition condition, CompileFilter(schema.fields, params.filter));
  if (params.tenant_ids.empty() || (!params.values.column.empty() && params.values.arms.empty())) {
    return std::nullopt;
  }
  SqlCondition where;
  std::optional<std::vector<std::string>> left_out;
  if (UsesPartner(schema, params)) {
    absl::StrAppend(&where.sql, schema.partner.column, " = ?");
    where.params.push_back(params.partner_id);
    left_out = PartnerLeftOut(params);
  }
  // The tenants the condition selects: with the left-out form, those of the one
  // value arm, which AppendValueScope then writes as `column IN (..)` alone.
  const std::vector<std::string>* selected = &params.tenant_ids;
  if (left_out.has_value()) {
    if (!left_out->empty()) {
      absl::StrAppend(&where.sql, " AND tenant_id NOT IN (", Placeholders(left_out->size()), ")");
      where.params.insert(where.params.end(), left_out->begin(), left_out->end());
    }
    if (!params.values.column.empty()) {
      selected = &params.values.arms.front().tenant_ids;
    }
  } else {
    absl::StrAppend(&where.sql, where.sql.empty() ? "" : " AND ", "tenant_id ",
                    params.tenant_ids.size() == 1
                        ? "= ?"
                        : absl::StrCat("IN (", Placeholders(params.tenant_ids.size()), ")"));
    where.params.insert(where.params.end(), params.tenant_ids.begin(), params.tenant_ids.end());
  }
  AppendValueScope(params.values, *selected, &where.sql, &where.params);
  if (!params.scope.sql.empty()) {
    absl::StrAppend(&where.sql, " AND ", params.scope.sql);
    where.params.insert(where.params.end(), params.scope.params.begin(), params.scope.params.end());
  }
  if (!condition.sql.empty()) {
    absl::StrAppend(&where.sql, " AND ", condition.sql);
    where.params.insert(where.params.end(), condition.params.begin(), condition.params.end());
  }
  return where;
}

absl::StatusOr<std::string> ListPage(Lease& db, const ListSchema& schema, const ListParams& params,
                                     const std::function<void(::sql::ResultSet&)>& read_row) {
  ASSIGN_OR_RETURN(std::optional<SqlCondition> where, ListWhere(schema, params));
  ASSIGN_OR_RETURN(auto order, ParseOrder(schema, params.order_by));
  const auto& [option, desc] = order;
  const std::string normalized_order = absl::StrCat(option->field, desc ? " desc" : "");
  const std::string fingerprint =
      QueryFingerprint({schema.method, params.parent, params.filter, normalized_order});
  ASSIGN_OR_RETURN(std::vector<std::string> last, DecodePageToken(params.page_token, fingerprint));
  if (!last.empty() && last.size() != option->columns.size()) {
    return InvalidField("page_token", "not a page token of this service");
  }
  if (!where.has_value()) {
    return std::string();
  }

  std::optional<FacetFrom> facet_from = FacetIndexFrom(schema, *option, params);
  const OrderOption& keys = facet_from.has_value() ? facet_from->order : *option;
  std::vector<SqlParam> binds;
  if (facet_from.has_value()) {
    binds = std::move(facet_from->params);
  }
  binds.insert(binds.end(), where->params.begin(), where->params.end());
  std::string sql = absl::StrCat("SELECT ", schema.columns);
  for (const SortColumn& c : keys.columns) {
    absl::StrAppend(&sql, ", ", c.column);
  }
  absl::StrAppend(&sql, " FROM ", facet_from.has_value() ? facet_from->sql : schema.table);
  if (UsesPartner(schema, params) && option->field == schema.partner.order) {
    absl::StrAppend(&sql, " FORCE INDEX (", schema.partner.index, ")");
  }
  absl::StrAppend(&sql, " WHERE ", where->sql);
  RETURN_IF_ERROR(AppendKeyset(keys, desc, last, &sql, &binds));
  absl::StrAppend(&sql, " ORDER BY ");
  for (size_t i = 0; i < keys.columns.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ", ", keys.columns[i].column, desc ? " DESC" : " ASC");
  }
  absl::StrAppend(&sql, " LIMIT ?");
  binds.push_back(int64_t{params.page_size} + 1);
  return ReadPage(db, sql, binds, keys, params.page_size, fingerprint, read_row);
}

void SelectForTenants(Lease& db, absl::string_view select,
                      const std::vector<std::string>& tenant_ids, absl::string_view rest,
                      const std::function<void(::sql::ResultSet&)>& read) {
  constexpr size_t kChunk = 256;
  for (size_t i = 0; i < tenant_ids.size(); i += kChunk) {
    const size_t n = std::min(kChunk, tenant_ids.size() - i);
    auto& stmt = db.PrepareRepeated(absl::StrCat(select, Placeholders(n), ")", rest), n);
    for (size_t k = 0; k < n; ++k) {
      stmt.setString(static_cast<int>(k + 1), tenant_ids[i + k]);
    }
    std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      read(*rs);
    }
  }
}

}  // namespace cases::sql
