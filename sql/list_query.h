// The one List machinery: a resource's filterable fields and orders (its
// schema), the filter compiled to a parameterised SQL condition, keyset
// pagination over the chosen order with the page token bound to the query, and
// one SELECT per page — tenant-scoped (`tenant_id IN (...)`), prepared, `LIMIT n+1`.
// Page 10 000 costs what page 1 costs: the token carries the last row's sort key.
#ifndef CASES_SQL_LIST_QUERY_H_
#define CASES_SQL_LIST_QUERY_H_

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/filter.h"
#include "google/protobuf/descriptor.h"
#include "sql/pool.h"

namespace cases::sql {

using SqlParam = std::variant<int64_t, std::string>;

// A SQL condition with its `?` parameters, in order.
struct SqlCondition {
  std::string sql;
  std::vector<SqlParam> params;
};

enum class FieldType {
  kEnum,      // proto enum stored as its number; values by name, full or without the prefix
  kString,    // text column
  kTime,      // DATETIME(6); values RFC 3339, e.g. "2026-01-31T00:00:00Z"
  kInt,       // BIGINT
  kResource,  // BINARY(16) id of another resource; values are its name, or "" for none
  kFacet,     // a value in a side table of (tenant_id, <id>, kind, value) rows, tested with `:`
  kText,      // a bare text term: a FULLTEXT search (the field with the empty name)
  kMember,    // another resource the row is linked to in a side table, tested with `:`
};

struct FilterField {
  std::string name;    // as written in filters, e.g. "severity"
  std::string column;  // e.g. "severity"
  FieldType type;
  const google::protobuf::EnumDescriptor* enum_type = nullptr;  // kEnum
  std::string collection;  // kResource: the name's collection segment, e.g. "cases";
                           // empty: a tenant name, tenants/{id}
  bool nullable = false;
  bool substring = false;  // kString: `:` is a case-insensitive substring match
  // kFacet, kText, kMember: `column` is the start of the subquery the term compiles
  // to, up to the test of the value. kMember: a probe of the row's link rows up to
  // "<id column> = ", closed with " LIMIT 1) IS NOT NULL", the value a name in
  // `collection`. kFacet: a probe of the row's own facet rows, e.g.
  // "(SELECT 1 FROM case_facets WHERE case_facets.tenant_id = cases.tenant_id AND
  // case_facets.case_id = cases.case_id AND kind = 1 AND ", closed with
  // " LIMIT 1) IS NOT NULL" (a scalar subquery: MariaDB keeps walking the list's
  // order index and probes each row, instead of reading every case holding the
  // value and sorting them). kText: "(tenant_id, case_id) IN (SELECT ... WHERE ",
  // closed with ")".
  // kFacet: values are lower-cased, except with `prefix`: upper-cased, and a value
  // also matches its dotted children (T1059 matches T1059.001). kString: a value
  // ending in `*` compared with = or != is a prefix ("tenants/t/cases/c*").
  bool prefix = false;
  int facet_kind = 0;  // kFacet in the schema's facet table: the rows' `kind`
};

// The words of a text term as a FULLTEXT boolean-mode query in which each word is
// required (`+word`, or `+word*` for a prefix written `word*`): every character
// that is not a letter, digit or `_` separates words, so operators and quotes in
// the term are data, never syntax. Words shorter than 3 characters are left out
// (InnoDB does not index them); INVALID_ARGUMENT on `filter` when none is left.
absl::StatusOr<std::string> FullTextQuery(absl::string_view term, size_t position);

// A sort column: what it is called in SQL and how its value is carried in tokens.
struct SortColumn {
  std::string column;
  FieldType type;  // kInt, kEnum (numbers), kTime or kResource (raw id bytes)
};

struct OrderOption {
  std::string field;                // order_by name, e.g. "create_time"
  std::vector<SortColumn> columns;  // the field's columns, then the id tie-break
};

struct ListSchema {
  std::string method;   // binds tokens, e.g. "ListCases"
  std::string table;    // e.g. "cases"
  std::string columns;  // the SELECT list the row reader expects
  std::vector<FilterField> fields;
  std::vector<OrderOption> orders;
  std::string default_order;  // e.g. "create_time desc"
  // The table's partner column and the index that leads with it, if it has them
  // (cases: partner_id, cases_by_partner (partner_id, create_time, case_id)). A
  // list across tenants of one partner (ListParams.partner_id) is narrowed to the
  // column as well; in `order`, its page is read from the index by name. MariaDB
  // would otherwise weigh the list's `tenant_id IN (?, ...)` on every index that
  // starts with tenant_id, on each execution: 26 ms for 1 000 tenants against
  // 1.4 ms (measured on the bench data).
  struct PartnerIndex {
    std::string column;
    std::string index;
    std::string order;
  };
  PartnerIndex partner;
  // The table of the rows' facets, if it has an index in one of the orders: rows of
  // (tenant_id, kind, value, then that order's columns under their names here),
  // e.g. case_facets, case_facets_in_order (tenant_id, kind, value, create_time,
  // case_id) for "create_time". A row's facet rows hold the parents of its dotted
  // values too (T1059 beside T1059.001), so a `prefix` field's value is one value
  // of the index. A one-tenant page in that order whose filter requires a facet
  // value (`tags:"x"`, alone or ANDed) is read from the index and joined to the
  // rows: the order's index with a probe of each row's facets would read every row
  // newer than the page that lacks the value.
  struct FacetIndex {
    std::string table;
    std::string order;
  };
  FacetIndex facets;
};

// Per-tenant narrowing by the values of one column: each arm lets its tenants
// show rows whose `column` holds one of its values (e.g. the case types a caller
// may read there). Empty `column`: no narrowing; a column with no arms: nothing.
struct ValueScope {
  struct Arm {
    std::vector<std::string> tenant_ids;
    std::vector<int64_t> values;
  };
  std::string column;
  std::vector<Arm> arms;
};

struct ListParams {
  std::vector<std::string> tenant_ids;  // 16-byte ids; empty → empty page
  std::string parent;                   // as requested, binds the token
  std::string filter;
  std::string order_by;
  int page_size = 50;
  std::string page_token;
  SqlCondition scope;  // extra fixed condition (e.g. case_id = ?), may be empty
  ValueScope values;   // what the caller may see in each tenant
  // The partner all of tenant_ids are listed under (TenantSnapshot::SharedPartner),
  // or empty; used when the schema has a partner column and there are several tenants.
  std::string partner_id;
  // Every tenant whose rows carry partner_id (TenantSnapshot::PartnerMembers), or
  // null; it outlives the call. With it, a tenant set holding most of them is
  // written by the few it leaves out (see ListWhere).
  const std::vector<std::string>* partner_members = nullptr;
};

// Compiles `filter` against `fields`; an empty filter is an empty condition.
absl::StatusOr<SqlCondition> CompileFilter(const std::vector<FilterField>& fields,
                                           absl::string_view filter);

// One row's value of a field, for filters evaluated in memory: an enum's or a
// number's value, or a text (a resource: its 16-byte id, empty for none).
using FieldValue = SqlParam;

// A filter checked once against `fields`, with the same errors as CompileFilter,
// then evaluated in memory: for rows that do not live in SQL yet or at all (a
// detection at ingest, for case rules; the tenancy snapshot). Each comparison's
// literal is read by the same code as for SQL.
class RowFilter {
 public:
  static absl::StatusOr<RowFilter> Compile(const std::vector<FilterField>& fields,
                                           absl::string_view filter);
  using ValueOf = std::function<FieldValue(const FilterField&)>;
  using ValuesOf = std::function<std::vector<std::string>(const FilterField&)>;
  // `value_of` gives the row's value of a field of the schema; `values_of` the
  // values of a kFacet field (a list), tested as SQL tests them (the same case
  // folding, a technique also matching its sub-techniques). Without `values_of`
  // a facet test is false.
  bool Matches(const ValueOf& value_of, const ValuesOf& values_of = nullptr) const;

 private:
  bool Eval(const FilterExpr& e, const ValueOf& value_of, const ValuesOf& values_of) const;

  std::vector<FilterField> fields_;
  std::optional<FilterExpr> expr_;  // none: matches every row
};

// The WHERE condition of a list (tenants, fixed scope, per-tenant value scope,
// filter), without the keyset; nullopt when nothing can match (no tenants, or a
// value scope with no arms). Shared by pages and by aggregates over the same
// selection (GetCaseStats).
absl::StatusOr<std::optional<SqlCondition>> ListWhere(const ListSchema& schema,
                                                      const ListParams& params);

// Runs one page: `read_row` gets each row (the schema's columns first); returns
// the next page token ("" on the last page). Runs inside RunQuery/RunInTransaction.
absl::StatusOr<std::string> ListPage(Lease& db, const ListSchema& schema, const ListParams& params,
                                     const std::function<void(::sql::ResultSet&)>& read_row);

// One page in its own autocommit query: rows read by `read` into *out (cleared
// first); returns the next page token.
template <typename Row>
absl::StatusOr<std::string> RunListPage(ConnectionPool& pool, const ListSchema& schema,
                                        const ListParams& params, Row (*read)(::sql::ResultSet&),
                                        std::vector<Row>* out);

// Binds params to a prepared statement starting at index `first` (1-based); returns the next index.
int BindParams(::sql::PreparedStatement& stmt, const std::vector<SqlParam>& params, int first = 1);

// "?, ?, ?" with n placeholders; with a group, "(?, ?), (?, ?)" for a multi-row insert.
std::string Placeholders(size_t n, absl::string_view group = "?");

// Writes `n` rows with multi-row statements of at most kRowsPerInsert rows each:
// `head` ("INSERT INTO t (a, b) VALUES "), one `group` ("(?, ?)") per row, then
// `tail` (e.g. " ON DUPLICATE KEY UPDATE …"), in row order. bind(stmt, k, i)
// binds row i from parameter k and returns the next. The full chunks share one
// prepared statement, so a batch of 500 detections holds the client-side
// parameter buffers of one 64-row statement; a 500-row one held about 3 MiB.
inline constexpr size_t kRowsPerInsert = 64;
void InsertRows(Lease& db, absl::string_view head, absl::string_view group, absl::string_view tail,
                size_t n, absl::FunctionRef<int(::sql::PreparedStatement&, int, size_t)> bind);

// Runs `select` ("... tenant_id = ? AND <column> IN (" without the placeholders),
// then `)` and `rest` (e.g. " FOR UPDATE"), for `keys`, handing each row to `read`.
template <typename Keys>
void SelectIn(Lease& db, absl::string_view select, const std::string& tenant_id, const Keys& keys,
              const std::function<void(::sql::ResultSet&)>& read, absl::string_view rest = "") {
  auto& stmt =
      db.PrepareRepeated(absl::StrCat(select, Placeholders(keys.size()), ")", rest), keys.size());
  int k = 1;
  stmt.setString(k++, tenant_id);
  for (const std::string& key : keys) {
    stmt.setString(k++, key);
  }
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  while (rs->next()) {
    read(*rs);
  }
}

// Runs `select` (ending in "tenant_id IN (", without the placeholders), then `)`
// and `rest`, over `tenant_ids` in chunks, handing each row to `read`: the
// tenant-scoped way to look across many tenants.
void SelectForTenants(Lease& db, absl::string_view select,
                      const std::vector<std::string>& tenant_ids, absl::string_view rest,
                      const std::function<void(::sql::ResultSet&)>& read);

}  // namespace cases::sql

#include "sql/transaction.h"

namespace cases::sql {

template <typename Row>
absl::StatusOr<std::string> RunListPage(ConnectionPool& pool, const ListSchema& schema,
                                        const ListParams& params, Row (*read)(::sql::ResultSet&),
                                        std::vector<Row>* out) {
  return QueryValue<std::string>(pool, [&](Lease& db) {
    out->clear();
    return ListPage(db, schema, params, [&](::sql::ResultSet& rs) { out->push_back(read(rs)); });
  });
}

}  // namespace cases::sql

#endif  // CASES_SQL_LIST_QUERY_H_
