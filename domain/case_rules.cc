#include "domain/case_rules.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/validation.h"

namespace cases::domain {

namespace v1 = ::soc::cases::v1;

v1::Product ProductOfCaseType(int type) {
  return type == v1::CASE_TYPE_MDR_MANAGED ? v1::PRODUCT_MDR : v1::PRODUCT_XDR;
}

int CaseTypeOfProduct(v1::Product product) {
  return product == v1::PRODUCT_MDR ? v1::CASE_TYPE_MDR_MANAGED : v1::CASE_TYPE_SELF_MANAGED;
}

absl::Status CheckDetectionsEligible(int case_type,
                                     const std::vector<sql::DetectionRow>& detections) {
  if (case_type == v1::CASE_TYPE_MDR_MANAGED) {
    return absl::OkStatus();
  }
  for (const sql::DetectionRow& d : detections) {
    if (d.product != v1::PRODUCT_XDR) {
      return ErrorWithReason(
          absl::StatusCode::kFailedPrecondition, "DETECTION_NOT_ELIGIBLE",
          "self-managed cases take XDR detections only, not MDR or Managed Risk ones",
          {{"detection", ChildName(d.tenant_id, "detections", d.detection_id)},
           {"product", v1::Product_Name(static_cast<v1::Product>(d.product))}});
    }
  }
  return absl::OkStatus();
}

void CheckClosing(Violations& v, const std::string& prefix, int status, int close_reason,
                  const std::string& close_note) {
  if (!v1::CloseReason_IsValid(close_reason)) {
    v.Add(prefix + "close_reason", "unknown close reason");
    return;
  }
  if (status != v1::CASE_STATUS_RESOLVED) {
    if (close_reason != v1::CLOSE_REASON_UNSPECIFIED || !close_note.empty()) {
      v.Add(prefix + "close_reason",
            "only a case with status CASE_STATUS_RESOLVED has a close reason or note");
    }
    return;
  }
  if (close_reason == v1::CLOSE_REASON_UNSPECIFIED) {
    v.Add(prefix + "close_reason", "required to close a case (status CASE_STATUS_RESOLVED)");
  }
  if (!IsValidUtf8(close_note)) {
    v.Add(prefix + "close_note", "must be valid UTF-8");
  } else if (Utf8Length(close_note) > kMaxCloseNoteChars) {
    v.Add(prefix + "close_note", absl::StrCat("at most ", kMaxCloseNoteChars, " characters"));
  } else if (close_reason == v1::CLOSE_REASON_OTHER && close_note.empty()) {
    v.Add(prefix + "close_note", "required with CLOSE_REASON_OTHER (1-600 characters)");
  }
}

void ApplyResolution(bool was_resolved, absl::Time now, absl::Duration retention,
                     sql::CaseRow* row) {
  const bool resolved = row->status == v1::CASE_STATUS_RESOLVED;
  if (resolved && !was_resolved) {
    row->resolve_time = now;
    row->purge_time = now + retention;
  } else if (!resolved) {
    row->resolve_time.reset();
    row->purge_time.reset();
    row->close_reason = v1::CLOSE_REASON_UNSPECIFIED;
    row->close_note.clear();
  }
}

absl::Status CheckRemovable(const sql::CaseRow& row) {
  if (row.type != v1::CASE_TYPE_SELF_MANAGED) {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "CASE_NOT_SELF_MANAGED",
                           "only self-managed cases can be removed",
                           {{"case", ChildName(row.tenant_id, "cases", row.case_id)}});
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckRevision(const std::string& etag, int64_t revision, absl::string_view what) {
  const std::string current = absl::StrCat(revision);
  if (etag.empty() || etag == current) {
    return absl::OkStatus();
  }
  return ErrorWithReason(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                         absl::StrCat(what, " changed since it was read; get it again and retry"),
                         {{"etag", current}});
}

}  // namespace

std::string EtagOf(const sql::CaseRow& row) { return absl::StrCat(row.revision); }
std::string EtagOf(const sql::SlaPolicyRow& row) { return absl::StrCat(row.revision); }

absl::Status CheckEtag(const std::string& etag, const sql::CaseRow& row) {
  return CheckRevision(etag, row.revision, "the case");
}

absl::Status CheckEtag(const std::string& etag, const sql::SlaPolicyRow& row) {
  return CheckRevision(etag, row.revision, "the SLA policy");
}

std::string EtagOf(const sql::NoteRow& row) { return absl::StrCat(row.revision); }

absl::Status CheckEtag(const std::string& etag, const sql::NoteRow& row) {
  return CheckRevision(etag, row.revision, "the note");
}

std::string EtagOf(const sql::CaseRuleRow& row) { return absl::StrCat(row.revision); }

absl::Status CheckEtag(const std::string& etag, const sql::CaseRuleRow& row) {
  return CheckRevision(etag, row.revision, "the case rule");
}

std::string EtagOf(const sql::SubscriptionRow& row) { return absl::StrCat(row.revision); }

absl::Status CheckEtag(const std::string& etag, const sql::SubscriptionRow& row) {
  return CheckRevision(etag, row.revision, "the subscription");
}

std::vector<std::string> NormalizeTags(Violations& v, const std::string& field,
                                       const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string tag = absl::AsciiStrToLower(tags[i]);
    const bool charset = std::all_of(tag.begin(), tag.end(), [](char c) {
      return absl::ascii_islower(static_cast<unsigned char>(c)) ||
             absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
             c == ':' || c == '.';
    });
    if (tag.empty() || tag.size() > kMaxTagChars || !charset) {
      v.Add(absl::StrCat(field, "[", i, "]"),
            absl::StrCat("a tag is 1–", kMaxTagChars, " of a-z 0-9 - _ : ."));
      continue;
    }
    if (seen.insert(tag).second) {
      out.push_back(tag);
    }
  }
  if (out.size() > kMaxTags) {
    v.Add(field, absl::StrCat("at most ", kMaxTags, " distinct tags"));
  }
  return out;
}

absl::Status CheckNoteAuthor(const sql::NoteRow& note, const std::string& subject) {
  if (note.author == subject) {
    return absl::OkStatus();
  }
  return ErrorWithReason(absl::StatusCode::kPermissionDenied, "NOT_NOTE_AUTHOR",
                         "only the note's author may do this", {{"author", note.author}});
}

void ApplySlaDeadlines(const sql::SlaPolicyRow& policy, sql::CaseRow* row) {
  row->acknowledge_deadline.reset();
  row->resolve_deadline.reset();
  auto it = policy.targets.find(row->severity);
  if (it == policy.targets.end()) {
    return;
  }
  if (it->second.acknowledge_within) {
    row->acknowledge_deadline = row->create_time + *it->second.acknowledge_within;
  }
  if (it->second.resolve_within) {
    row->resolve_deadline = row->create_time + *it->second.resolve_within;
  }
}

void ApplyAcknowledgement(absl::Time now, sql::CaseRow* row) {
  if (!row->acknowledge_time.has_value() &&
      (row->status != v1::CASE_STATUS_NEW || !row->assignee.empty())) {
    row->acknowledge_time = now;
  }
}

tenancy::Action ActionForChange(const sql::CaseRow& after, const std::set<std::string>& paths) {
  const bool closing_fields =
      paths.count("status") || paths.count("close_reason") || paths.count("close_note");
  return after.status == v1::CASE_STATUS_RESOLVED && closing_fields ? tenancy::Action::kCloseCase
                                                                    : tenancy::Action::kEditCases;
}

namespace {

// Field → text for history entries.
std::map<std::string, std::string> Describe(const sql::CaseRow& c) {
  auto name = [&](const google::protobuf::EnumDescriptor* d, int v) {
    const auto* value = d->FindValueByNumber(v);
    return value == nullptr ? std::to_string(v) : value->name();
  };
  return {{"displayName", c.display_name},
          {"description", c.description},
          {"severity", name(v1::Severity_descriptor(), c.severity)},
          {"priority", name(v1::Priority_descriptor(), c.priority)},
          {"status", name(v1::CaseStatus_descriptor(), c.status)},
          {"closeReason",
           c.close_reason == 0 ? "" : name(v1::CloseReason_descriptor(), c.close_reason)},
          {"closeNote", c.close_note},
          {"queue", c.queue_id.empty() ? "" : ChildName(c.tenant_id, "queues", c.queue_id)},
          {"assignee", c.assignee},
          {"tags", absl::StrJoin(c.tags, ", ")}};
}

}  // namespace

std::vector<sql::FieldChangeRow> CaseChanges(const sql::CaseRow& before,
                                             const sql::CaseRow& after) {
  std::vector<sql::FieldChangeRow> out;
  const auto old_values = Describe(before);
  for (const auto& [field, value] : Describe(after)) {
    if (old_values.at(field) != value) {
      out.push_back({field, old_values.at(field), value});
    }
  }
  return out;
}

const std::set<std::string>& UpdatablePaths() {
  static const auto* paths =
      new std::set<std::string>{"display_name", "description", "severity", "priority", "status",
                                "close_reason", "close_note",  "queue",    "assignee", "tags"};
  return *paths;
}

void CopyPaths(const sql::CaseRow& patch, const std::set<std::string>& paths, sql::CaseRow* row) {
  for (const std::string& p : paths) {
    if (p == "display_name") {
      row->display_name = patch.display_name;
    } else if (p == "description") {
      row->description = patch.description;
    } else if (p == "severity") {
      row->severity = patch.severity;
    } else if (p == "priority") {
      row->priority = patch.priority;
    } else if (p == "status") {
      row->status = patch.status;
    } else if (p == "close_reason") {
      row->close_reason = patch.close_reason;
    } else if (p == "close_note") {
      row->close_note = patch.close_note;
    } else if (p == "queue") {
      row->queue_id = patch.queue_id;
    } else if (p == "assignee") {
      row->assignee = patch.assignee;
    } else if (p == "tags") {
      row->tags = patch.tags;
    }
  }
}

namespace {

// Adds `value` under `key`, or under the first free `key.2`, `key.3`, … when
// `key` holds another value; nothing when the value is there already or the
// map is full.
void AddDistinct(const std::string& key, const std::string& value,
                 std::map<std::string, std::string>* out) {
  if (value.empty()) {
    return;
  }
  std::string slot = key;
  for (int n = 2;; ++n) {
    auto it = out->find(slot);
    if (it == out->end()) {
      break;
    }
    if (it->second == value) {
      return;
    }
    slot = absl::StrCat(key, ".", n);
  }
  if (out->size() < kMaxAttributes) {
    (*out)[slot] = value;
  }
}

}  // namespace

std::map<std::string, std::string> MergeConvertedAttributes(
    const sql::AlertRow& alert, const std::vector<sql::DetectionRow>& detections,
    const std::map<std::string, std::string>& requested) {
  std::map<std::string, std::string> attributes = alert.attributes;
  for (const sql::DetectionRow& d : detections) {
    for (const auto& [k, v] : d.attributes) {
      AddDistinct(k, v, &attributes);
    }
    AddDistinct("device", d.device, &attributes);
    AddDistinct("entity", d.entity, &attributes);
    for (const std::string& technique : d.mitre_techniques) {
      AddDistinct("mitre_technique", technique, &attributes);
    }
  }
  for (const auto& [k, v] : requested) {
    attributes[k] = v;
  }
  return attributes;
}

absl::Status DefaultFromAlert(const sql::AlertRow& alert, sql::CaseRow* row) {
  if (row->display_name.empty()) {
    Violations name_check;
    CheckDisplayName(name_check, "case.display_name", alert.title);
    if (!name_check.empty()) {
      return InvalidField(
          "case.display_name",
          "required: the alert's title is not a valid case name (letters, digits, spaces, "
          ". , - _ : ( ) ' ! ? and at most 120 characters)");
    }
    row->display_name = alert.title;
  }
  if (row->severity == 0) {
    row->severity = alert.severity;
  }
  return absl::OkStatus();
}

}  // namespace cases::domain
