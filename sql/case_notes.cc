// The notebook of a case: notes are children of the case, and every change to one
// is a change to the case (its revision, update time and history), so each runs
// in one transaction with the case row locked.
#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/common.pb.h"
#include "sql/activities.h"
#include "sql/case_rows.h"
#include "sql/case_store.h"
#include "sql/db_time.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

namespace v1 = ::soc::cases::v1;

std::string NoteName(const std::string& tenant_id, const std::string& case_id,
                     const std::string& note_id) {
  return absl::StrCat(ChildName(tenant_id, "cases", case_id), "/notes/", IdToText(note_id));
}

absl::StatusOr<CaseRow> LockCase(Lease& db, const std::string& tenant_id,
                                 const std::string& case_id) {
  std::optional<CaseRow> c = SelectCase(db, tenant_id, case_id, true);
  if (!c.has_value()) {
    return NotFound("case", ChildName(tenant_id, "cases", case_id));
  }
  return *std::move(c);
}

std::optional<NoteRow> SelectNote(Lease& db, const std::string& tenant_id,
                                  const std::string& case_id, const std::string& note_id,
                                  bool for_update) {
  auto& stmt = db.Prepare(
      absl::StrCat("SELECT ", NoteTable().List(),
                   " FROM case_notes WHERE tenant_id = ? AND case_id = ? AND note_id = ?",
                   for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, tenant_id);
  stmt.setString(2, case_id);
  stmt.setString(3, note_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return ReadNote(*rs);
}

absl::StatusOr<NoteRow> LockNote(Lease& db, const CaseRow& c, const std::string& note_id) {
  std::optional<NoteRow> note = SelectNote(db, c.tenant_id, c.case_id, note_id, true);
  if (!note.has_value()) {
    return NotFound("note", NoteName(c.tenant_id, c.case_id, note_id));
  }
  return *std::move(note);
}

// The note's text in the case's search documents (nullptr body: removed).
void IndexNote(Lease& db, const NoteRow& note, bool removed) {
  if (removed) {
    auto& stmt =
        db.Prepare("DELETE FROM case_text WHERE tenant_id = ? AND case_id = ? AND doc_id = ?");
    stmt.setString(1, note.tenant_id);
    stmt.setString(2, note.case_id);
    stmt.setString(3, note.note_id);
    stmt.execute();
    return;
  }
  auto& stmt = db.Prepare(
      "INSERT INTO case_text (tenant_id, case_id, doc_id, body) VALUES (?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE body = VALUES(body)");
  stmt.setString(1, note.tenant_id);
  stmt.setString(2, note.case_id);
  stmt.setString(3, note.note_id);
  stmt.setString(4, note.body);
  stmt.execute();
}

// The case after a change to its notebook, written with its history event.
CaseRow TouchCase(Lease& db, const CaseRow& current, const std::string& actor, int event_type,
                  FieldChangeRow change, const std::string& note_name, absl::Time now) {
  CaseRow next = current;
  next.update_time = now;
  next.revision = current.revision + 1;
  UpdateCaseRow(db, next);
  const char* what = event_type == v1::EVENT_TYPE_NOTE_ADDED     ? "added"
                     : event_type == v1::EVENT_TYPE_NOTE_UPDATED ? "edited"
                                                                 : "deleted";
  RecordActivity(
      db, CaseActivity(event_type == v1::EVENT_TYPE_NOTE_ADDED ? v1::ACTIVITY_TYPE_CASE_NOTE_ADDED
                                                               : v1::ACTIVITY_TYPE_CASE_UPDATED,
                       next, actor, {change}));
  InsertEvents(db, kCaseHistory, current.tenant_id,
               {CaseEvent(next, actor, event_type, {std::move(change)},
                          absl::StrCat("note ", note_name, " ", what), now)});
  return next;
}

}  // namespace

const ListSchema& CaseStore::NoteSchema() {
  static const auto* schema = new ListSchema{"ListCaseNotes",
                                             "case_notes",
                                             NoteTable().List(),
                                             {},
                                             {{"note_id", {{"note_id", FieldType::kResource}}}},
                                             "note_id"};
  return *schema;
}

absl::StatusOr<NoteResult> CaseStore::CreateNote(NoteRow note, const NoteCheck& may_write,
                                                 const std::optional<IdempotencyKey>& key) {
  return TransactionValue<NoteResult>(*pool_, [&](Lease& db) -> absl::StatusOr<NoteResult> {
    ASSIGN_OR_RETURN(CaseRow current, LockCase(db, note.tenant_id, note.case_id));
    RETURN_IF_ERROR(may_write(current, nullptr));
    const absl::Time now = DbNow();
    NoteRow n = note;
    n.note_id = NewIdBytes(now);
    n.create_time = now;
    n.update_time = now;
    n.revision = 1;
    const std::string name = NoteName(n.tenant_id, n.case_id, n.note_id);
    NoteRow earlier;
    ASSIGN_OR_RETURN(bool replayed, ReplayOrClaim(
                                        db, key, name,
                                        [&](const std::string& id) {
                                          return SelectNote(db, n.tenant_id, n.case_id, id, false);
                                        },
                                        &earlier));
    if (replayed) {
      return NoteResult{std::move(earlier), std::move(current)};
    }
    auto& insert = db.Prepare(absl::StrCat("INSERT INTO case_notes (", NoteTable().List(),
                                           ") VALUES ", NoteTable().ValueGroup()));
    NoteTable().Bind(insert, 1, n);
    insert.execute();
    IndexNote(db, n, false);
    CaseRow after = TouchCase(db, current, n.author, v1::EVENT_TYPE_NOTE_ADDED,
                              {"note", "", n.body}, name, now);
    return NoteResult{std::move(n), std::move(after)};
  });
}

absl::StatusOr<NoteResult> CaseStore::UpdateNote(const std::string& tenant_id,
                                                 const std::string& case_id,
                                                 const std::string& note_id,
                                                 const NoteMutation& mutate,
                                                 const std::string& actor) {
  return TransactionValue<NoteResult>(*pool_, [&](Lease& db) -> absl::StatusOr<NoteResult> {
    ASSIGN_OR_RETURN(CaseRow current, LockCase(db, tenant_id, case_id));
    ASSIGN_OR_RETURN(NoteRow note, LockNote(db, current, note_id));
    NoteRow next = note;
    RETURN_IF_ERROR(mutate(current, note, &next));
    if (next.body == note.body) {
      return NoteResult{std::move(note), std::move(current)};  // nothing changed
    }
    const absl::Time now = DbNow();
    next.update_time = now;
    next.revision = note.revision + 1;
    auto& update = db.Prepare(
        "UPDATE case_notes SET body = ?, update_time = ?, revision = ? "
        "WHERE tenant_id = ? AND case_id = ? AND note_id = ?");
    update.setString(1, next.body);
    update.setString(2, FormatDbTime(now));
    update.setInt64(3, next.revision);
    update.setString(4, tenant_id);
    update.setString(5, case_id);
    update.setString(6, note_id);
    update.execute();
    IndexNote(db, next, false);
    CaseRow after =
        TouchCase(db, current, actor, v1::EVENT_TYPE_NOTE_UPDATED, {"note", note.body, next.body},
                  NoteName(tenant_id, case_id, note_id), now);
    return NoteResult{std::move(next), std::move(after)};
  });
}

absl::StatusOr<CaseRow> CaseStore::DeleteNote(const std::string& tenant_id,
                                              const std::string& case_id,
                                              const std::string& note_id,
                                              const NoteCheck& may_delete,
                                              const std::string& actor) {
  return TransactionValue<CaseRow>(*pool_, [&](Lease& db) -> absl::StatusOr<CaseRow> {
    ASSIGN_OR_RETURN(CaseRow current, LockCase(db, tenant_id, case_id));
    ASSIGN_OR_RETURN(NoteRow note, LockNote(db, current, note_id));
    RETURN_IF_ERROR(may_delete(current, &note));
    auto& remove =
        db.Prepare("DELETE FROM case_notes WHERE tenant_id = ? AND case_id = ? AND note_id = ?");
    remove.setString(1, tenant_id);
    remove.setString(2, case_id);
    remove.setString(3, note_id);
    remove.execute();
    IndexNote(db, note, true);
    return TouchCase(db, current, actor, v1::EVENT_TYPE_NOTE_DELETED, {"note", note.body, ""},
                     NoteName(tenant_id, case_id, note_id), DbNow());
  });
}

absl::StatusOr<std::string> CaseStore::ListNotes(const ListParams& params,
                                                 std::vector<NoteRow>* out) {
  return RunListPage(*pool_, NoteSchema(), params, &ReadNote, out);
}

}  // namespace cases::sql
