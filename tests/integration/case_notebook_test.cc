// The investigation inside a case on a real server and database: the notebook
// (who may write, edit and delete notes on which case type; history; etags), tags,
// the devices, entities and ATT&CK techniques gathered from attached detections,
// full-text search scoped by tenant, and tenant names across tenants.
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class CaseNotebookTest : public CaseServiceTest {
 protected:
  grpc::Status AddNote(const std::string& case_name, const std::string& body, v1::CaseNote* out,
                       const std::string& token = "", const std::string& request_id = "") {
    v1::CreateCaseNoteRequest request;
    request.set_parent(case_name);
    request.mutable_note()->set_body(body);
    request.set_request_id(request_id);
    return world_.stubs().cases->CreateCaseNote(
        World::Context(token.empty() ? admin_ : token).get(), request, out);
  }

  v1::CaseNote MustAddNote(const std::string& case_name, const std::string& body,
                           const std::string& token = "") {
    v1::CaseNote note;
    grpc::Status s = AddNote(case_name, body, &note, token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return note;
  }

  grpc::Status EditNote(const v1::CaseNote& note, const std::string& body, v1::CaseNote* out,
                        const std::string& token = "", const std::string& etag = "") {
    v1::UpdateCaseNoteRequest request;
    request.mutable_note()->set_name(note.name());
    request.mutable_note()->set_body(body);
    request.mutable_note()->set_etag(etag);
    request.mutable_update_mask()->add_paths("body");
    return world_.stubs().cases->UpdateCaseNote(
        World::Context(token.empty() ? admin_ : token).get(), request, out);
  }

  grpc::Status DeleteNote(const std::string& name, const std::string& token = "") {
    v1::DeleteCaseNoteRequest request;
    request.set_name(name);
    google::protobuf::Empty out;
    return world_.stubs().cases->DeleteCaseNote(
        World::Context(token.empty() ? admin_ : token).get(), request, &out);
  }

  std::vector<std::string> NoteBodies(const std::string& case_name, int page_size = 0) {
    std::vector<std::string> bodies;
    v1::ListCaseNotesRequest request;
    request.set_parent(case_name);
    request.set_page_size(page_size);
    do {
      v1::ListCaseNotesResponse response;
      grpc::Status s =
          world_.stubs().cases->ListCaseNotes(World::Context(admin_).get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& n : response.notes()) {
        bodies.push_back(n.body());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return bodies;
  }

  // Case names a filter selects in `parent` (every page), as `token` sees them.
  std::vector<std::string> Find(const std::string& filter, const std::string& parent = "",
                                const std::string& token = "", int page_size = 0,
                                const std::string& order_by = "") {
    std::vector<std::string> names;
    v1::ListCasesRequest request;
    request.set_parent(parent.empty() ? tenant_ : parent);
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_order_by(order_by);
    do {
      v1::ListCasesResponse response;
      grpc::Status s = world_.stubs().cases->ListCases(
          World::Context(token.empty() ? admin_ : token).get(), request, &response);
      EXPECT_TRUE(s.ok()) << filter << ": " << s.error_message();
      if (!s.ok()) {
        break;
      }
      for (const auto& c : response.cases()) {
        names.push_back(c.name());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return names;
  }

  grpc::Status ListWith(const std::string& filter) {
    v1::ListCasesRequest request;
    request.set_parent(tenant_);
    request.set_filter(filter);
    v1::ListCasesResponse response;
    return world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &response);
  }

  struct Seen {
    std::string external_id, device, entity;
    std::vector<std::string> techniques;
    std::string alert_key = "ak";
  };
  std::vector<std::string> IngestSeen(const std::vector<Seen>& items) {
    v1::IngestDetectionsRequest request;
    request.set_parent(tenant_);
    for (const Seen& s : items) {
      auto* d = request.add_detections();
      d->set_external_id(s.external_id);
      d->set_alert_key(s.alert_key);
      d->set_product(v1::PRODUCT_XDR);
      d->set_severity(v1::SEVERITY_HIGH);
      d->set_title("Encoded PowerShell");
      d->set_device(s.device);
      d->set_entity(s.entity);
      for (const auto& t : s.techniques) {
        d->add_mitre_techniques(t);
      }
      d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    }
    v1::IngestDetectionsResponse response;
    grpc::Status status = world_.stubs().detections->IngestDetections(
        World::Context(world_.Token("DETECTION_INGESTER", tenant_)).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const auto& r : response.results()) {
      names.push_back(r.detection());
    }
    return names;
  }

  v1::Case MdrCase() {
    v1::Case c = NewCase("MDR investigation");
    c.set_type(v1::CASE_TYPE_MDR_MANAGED);
    v1::Case out;
    grpc::Status s = Create(c, &out, world_.Token("MDR_ANALYST", world_.provider, "mdr-1"));
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
};

TEST_F(CaseNotebookTest, NotesAreListedOldestFirstAndEachBumpsTheCaseAndItsHistory) {
  const v1::Case c = MustCreate(NewCase());
  for (const char* body : {"first: **triage**", "second", "third"}) {
    MustAddNote(c.name(), body);
  }
  EXPECT_THAT(NoteBodies(c.name(), 2), ElementsAre("first: **triage**", "second", "third"));
  v1::Case after;
  ASSERT_TRUE(Get(c.name(), &after).ok());
  EXPECT_EQ(after.etag(), "4");  // created at 1, three notes
  const auto history = History(c.name());
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[1].type(), v1::EVENT_TYPE_NOTE_ADDED);
  EXPECT_EQ(history[1].actor(), "alice");
  ASSERT_EQ(history[1].changes_size(), 1);
  EXPECT_EQ(history[1].changes(0).new_value(), "first: **triage**");
}

TEST_F(CaseNotebookTest, OnlyTheAuthorEditsANoteAndAStaleEtagIsRefused) {
  const v1::Case c = MustCreate(NewCase());
  const v1::CaseNote note = MustAddNote(c.name(), "draft");
  EXPECT_EQ(note.author(), "alice");
  v1::CaseNote out;
  EXPECT_THAT(EditNote(note, "by bob", &out, world_.Token("TENANT_ADMIN", tenant_, "bob")),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "NOT_NOTE_AUTHOR"));
  EXPECT_THAT(EditNote(note, "stale", &out, "", "7"),
              StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
  ASSERT_TRUE(EditNote(note, "final", &out, "", note.etag()).ok());
  EXPECT_EQ(out.body(), "final");
  EXPECT_EQ(out.etag(), "2");
  EXPECT_THAT(NoteBodies(c.name()), ElementsAre("final"));
  const auto history = History(c.name());
  ASSERT_EQ(history.back().type(), v1::EVENT_TYPE_NOTE_UPDATED);
  EXPECT_EQ(history.back().changes(0).old_value(), "draft");
  EXPECT_EQ(history.back().changes(0).new_value(), "final");
}

TEST_F(CaseNotebookTest, AuthorsAndTenantAdminsDeleteNotesOthersMayNot) {
  const v1::Case c = MustCreate(NewCase());
  const std::string partner_admin = world_.Token("PARTNER_ADMIN", world_.main_partner, "pat");
  const v1::CaseNote by_partner = MustAddNote(c.name(), "partner's note", partner_admin);
  const v1::CaseNote by_alice = MustAddNote(c.name(), "alice's note");
  // A partner admin writes notes on self-managed cases, but removes only its own.
  EXPECT_THAT(DeleteNote(by_alice.name(), partner_admin),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  ASSERT_TRUE(DeleteNote(by_partner.name(), partner_admin).ok());
  // A tenant admin removes anyone's.
  const v1::CaseNote again = MustAddNote(c.name(), "partner again", partner_admin);
  ASSERT_TRUE(DeleteNote(again.name(), world_.Token("TENANT_ADMIN", tenant_, "bob")).ok());
  EXPECT_THAT(NoteBodies(c.name()), ElementsAre("alice's note"));
  EXPECT_EQ(History(c.name()).back().type(), v1::EVENT_TYPE_NOTE_DELETED);
  EXPECT_THAT(DeleteNote(again.name()), StatusIs(grpc::StatusCode::NOT_FOUND, "NOT_FOUND"));
}

TEST_F(CaseNotebookTest, OnMdrCasesTheMdrTeamAndTheTenantsAdminsWriteNotesPartnersDoNot) {
  const v1::Case c = MdrCase();
  v1::CaseNote note;
  EXPECT_TRUE(AddNote(c.name(), "customer answers", &note).ok());  // TENANT_ADMIN
  EXPECT_TRUE(
      AddNote(c.name(), "MDR asks", &note, world_.Token("MDR_ANALYST", world_.provider)).ok());
  EXPECT_THAT(
      AddNote(c.name(), "partner", &note, world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner)),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  EXPECT_THAT(AddNote(c.name(), "read only", &note, world_.Token("TENANT_READ_ONLY", tenant_)),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  EXPECT_THAT(NoteBodies(c.name()), ElementsAre("customer answers", "MDR asks"));
}

TEST_F(CaseNotebookTest, BadNotesAndNotesOnOtherTenantsCasesChangeNothing) {
  const v1::Case c = MustCreate(NewCase());
  v1::CaseNote note;
  for (const std::string& body : {std::string(), std::string(16 * 1024 + 1, 'x')}) {
    const grpc::Status s = AddNote(c.name(), body, &note);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << body.size();
    EXPECT_THAT(GrpcViolationFields(s), ElementsAre("note.body"));
  }
  // Invalid UTF-8 in a string field does not even parse as the request.
  EXPECT_EQ(AddNote(c.name(), "bad \xff utf-8", &note).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(AddNote(c.name(), std::string(16 * 1024, 'x'), &note).ok());  // the limit itself
  const std::string foreign = world_.foreign_customer[Licence::kPresent];
  EXPECT_THAT(AddNote(foreign + "/cases/" + NewIdText(), "x", &note),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
  EXPECT_THAT(AddNote(tenant_ + "/cases/" + NewIdText(), "x", &note),
              StatusIs(grpc::StatusCode::NOT_FOUND, "NOT_FOUND"));
  v1::Case after;
  ASSERT_TRUE(Get(c.name(), &after).ok());
  EXPECT_EQ(after.etag(), "2");  // only the good note
}

TEST_F(CaseNotebookTest, ARetriedCreateWithItsRequestIdAddsOneNote) {
  const v1::Case c = MustCreate(NewCase());
  v1::CaseNote first, second;
  ASSERT_TRUE(AddNote(c.name(), "once", &first, "", "note-req-1").ok());
  ASSERT_TRUE(AddNote(c.name(), "once", &second, "", "note-req-1").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_THAT(NoteBodies(c.name()), ElementsAre("once"));
}

TEST_F(CaseNotebookTest, RemovingACaseRemovesItsNotesFacetsAndSearchText) {
  v1::Case c = NewCase("Removable");
  c.add_tags("gone");
  const v1::Case made = MustCreate(c);
  MustAddNote(made.name(), "note of a removed case");
  v1::DeleteCaseRequest request;
  request.set_name(made.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(world_.stubs().cases->DeleteCase(World::Context(admin_).get(), request, &empty).ok());
  for (const char* table : {"case_notes", "case_facets", "case_text"}) {
    EXPECT_EQ(world_.db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM ", table,
                                                " WHERE case_id = ", SqlIdOf(made.name()))),
              0)
        << table;
  }
}

TEST_F(CaseNotebookTest, TagsAreLoweredDeduplicatedInOrderFilteredAndInTheHistory) {
  v1::Case c = NewCase("Tagged");
  for (const char* t : {"Phishing", "vip:ceo", "phishing", "q4.2026"}) {
    c.add_tags(t);
  }
  const v1::Case tagged = MustCreate(c);
  EXPECT_THAT(tagged.tags(), ElementsAre("phishing", "vip:ceo", "q4.2026"));
  const v1::Case other = MustCreate(NewCase("Untagged"));
  EXPECT_THAT(Find("tags:\"phishing\""), ElementsAre(tagged.name()));
  EXPECT_THAT(Find("tags:PHISHING AND severity = HIGH"), ElementsAre(tagged.name()));
  EXPECT_THAT(Find("NOT tags:phishing"), ElementsAre(other.name()));

  v1::Case patch;
  patch.set_name(tagged.name());
  patch.add_tags("malware");
  v1::Case updated;
  ASSERT_TRUE(Update(patch, {"tags"}, &updated).ok());
  EXPECT_THAT(updated.tags(), ElementsAre("malware"));
  EXPECT_THAT(Find("tags:phishing"), IsEmpty());
  EXPECT_THAT(Find("tags:malware"), ElementsAre(tagged.name()));
  const auto history = History(tagged.name());
  ASSERT_EQ(history.back().changes_size(), 1);
  EXPECT_EQ(history.back().changes(0).field(), "tags");
  EXPECT_EQ(history.back().changes(0).old_value(), "phishing, vip:ceo, q4.2026");
  EXPECT_EQ(history.back().changes(0).new_value(), "malware");

  v1::Case bad = NewCase("Bad tags");
  bad.add_tags("has space");
  bad.add_tags(std::string(65, 'a'));
  v1::Case out;
  EXPECT_THAT(GrpcViolationFields(Create(bad, &out)), ElementsAre("case.tags[0]", "case.tags[1]"));
  v1::Case many = NewCase("Too many tags");
  for (int i = 0; i < 21; ++i) {
    many.add_tags(absl::StrCat("t", i));
  }
  EXPECT_THAT(GrpcViolationFields(Create(many, &out)), ElementsAre("case.tags"));
  EXPECT_EQ(Find("").size(), 2u);  // nothing else was made
}

TEST_F(CaseNotebookTest, EntitiesAreTheUnionOverDetectionsAttachedByCreateConvertAndAdd) {
  const auto d = IngestSeen({{"e-1", "host-7", "bob", {"T1059.001"}},
                             {"e-2", "host-7", "carol", {"T1059.001", "T1003"}},
                             {"e-3", "Host-9", "bob", {"T1566"}},
                             {"e-4", "host-10", "dave", {"T1021.002"}, "other-alert"}});
  ASSERT_EQ(d.size(), 4u);
  v1::Case made;
  ASSERT_TRUE(Create(NewCase("From detections"), &made, "", {d[0], d[1]}).ok());
  EXPECT_THAT(made.devices(), ElementsAre("host-7"));
  EXPECT_THAT(made.entities(), ElementsAre("bob", "carol"));
  EXPECT_THAT(made.mitre_techniques(), ElementsAre("T1059.001", "T1003"));

  v1::AddCaseDetectionsRequest add;
  add.set_case_(made.name());
  add.add_detections(d[2]);
  add.add_detections(d[0]);  // already attached: adds nothing
  v1::Case grown;
  ASSERT_TRUE(
      world_.stubs().cases->AddCaseDetections(World::Context(admin_).get(), add, &grown).ok());
  EXPECT_THAT(grown.devices(), ElementsAre("host-7", "Host-9"));
  EXPECT_THAT(grown.entities(), ElementsAre("bob", "carol"));
  EXPECT_THAT(grown.mitre_techniques(), ElementsAre("T1059.001", "T1003", "T1566"));

  const v1::Case converted = ConvertAlertOf(d[3]);
  EXPECT_THAT(converted.devices(), ElementsAre("host-10"));
  EXPECT_THAT(converted.mitre_techniques(), ElementsAre("T1021.002"));

  EXPECT_THAT(Find("devices:\"HOST-9\""), ElementsAre(made.name()));  // any case
  EXPECT_THAT(Find("entities:bob"), ElementsAre(made.name()));
  EXPECT_THAT(Find("mitre_techniques:T1059"), ElementsAre(made.name()));  // a sub-technique
  EXPECT_THAT(Find("mitre_techniques:T1021"), ElementsAre(converted.name()));
  EXPECT_THAT(Find("mitre_techniques:T1059.001"), ElementsAre(made.name()));
  EXPECT_THAT(Find("mitre_techniques:T105"), IsEmpty());  // not a prefix of digits
  EXPECT_THAT(Find("devices:host-10 OR entities:carol"),
              UnorderedElementsAre(made.name(), converted.name()));
  EXPECT_EQ(ListWith("devices = host-7").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CaseNotebookTest, AFacetFilterPagesInOrderPastNewerCasesWithoutTheValue) {
  // Oldest first: every third case tagged; the newest ten untagged, so page 1 of the
  // filter lies below them; two cases hold two sub-techniques of T1059 each.
  std::vector<std::string> tagged, techniques, all;
  for (int i = 0; i < 24; ++i) {
    v1::Case c = NewCase(absl::StrCat("Case ", i));
    if (i % 3 == 0 && i < 14) {
      c.add_tags("phishing");
    }
    c.set_severity(i % 2 == 0 ? v1::SEVERITY_HIGH : v1::SEVERITY_LOW);
    const v1::Case made = MustCreate(c);
    all.insert(all.begin(), made.name());  // newest first
    if (i % 3 == 0 && i < 14) {
      tagged.insert(tagged.begin(), made.name());
    }
  }
  const auto d = IngestSeen({{"t-1", "host-1", "eve", {"T1059.001", "T1059.003"}},
                             {"t-2", "host-1", "eve", {"T1059"}, "ak-2"},
                             {"t-3", "host-1", "eve", {"T1003.001"}, "ak-3"}});
  ASSERT_EQ(d.size(), 3u);
  v1::Case both, parent, other;
  ASSERT_TRUE(Create(NewCase("Two sub-techniques"), &both, "", {d[0]}).ok());
  ASSERT_TRUE(Create(NewCase("The technique"), &parent, "", {d[1]}).ok());
  ASSERT_TRUE(Create(NewCase("Another technique"), &other, "", {d[2]}).ok());

  EXPECT_EQ(Find("tags:phishing", "", "", 2), tagged);
  std::vector<std::string> oldest_first(tagged.rbegin(), tagged.rend());
  EXPECT_EQ(Find("tags:phishing", "", "", 2, "create_time asc"), oldest_first);
  // Combined with other terms: severity HIGH is cases 0, 6, 12 of the tagged 0, 3, 6, 9, 12.
  EXPECT_EQ(Find("severity = HIGH tags:phishing", "", "", 1),
            (std::vector<std::string>{tagged[0], tagged[2], tagged[4]}));
  EXPECT_EQ(Find("tags:phishing AND NOT severity = HIGH"),
            (std::vector<std::string>{tagged[1], tagged[3]}));
  EXPECT_EQ(Find("mitre_techniques:T1059", "", "", 1),
            (std::vector<std::string>{parent.name(), both.name()}));
  EXPECT_EQ(Find("mitre_techniques:t1059.003"), (std::vector<std::string>{both.name()}));
  EXPECT_EQ(Find("mitre_techniques:T1003 OR tags:phishing").size(), tagged.size() + 1);

  // Each facet row carries its case's create time, the index's order.
  const std::string tenant_hex = SqlIdOf(tenant_);
  EXPECT_EQ(
      world_.db().QueryInt(absl::StrCat(
          "SELECT COUNT(*) FROM case_facets JOIN cases USING (tenant_id, case_id) WHERE "
          "case_facets.tenant_id = ",
          tenant_hex, " AND case_facets.create_time = cases.create_time")),
      5 + 6 + 3 + 3);  // tags; T1059.001, .003, T1059; T1059; T1003.001, T1003; devices; entities
}

TEST_F(CaseNotebookTest, ATextTermSearchesNamesDescriptionsAndNotesOfTheTenantOnly) {
  v1::Case a = NewCase("PowerShell spawned by Word");
  a.set_description("Encoded command line on the finance laptop");
  const v1::Case by_name = MustCreate(a);
  const v1::Case by_note = MustCreate(NewCase("Credential theft", v1::SEVERITY_MEDIUM));
  MustAddNote(by_note.name(), "Found **mimikatz** in a scheduled task");
  const v1::Case neither = MustCreate(NewCase("Quiet case"));

  EXPECT_THAT(Find("powershell"), ElementsAre(by_name.name()));
  EXPECT_THAT(Find("\"encoded LAPTOP\""), ElementsAre(by_name.name()));  // every word, any case
  EXPECT_THAT(Find("mimikatz"), ElementsAre(by_note.name()));
  EXPECT_THAT(Find("mimi*"), ElementsAre(by_note.name()));
  EXPECT_THAT(Find("mimikatz AND severity >= HIGH"), IsEmpty());
  EXPECT_THAT(Find("powershell OR mimikatz"), UnorderedElementsAre(by_name.name(), by_note.name()));
  EXPECT_THAT(Find("NOT powershell AND NOT mimikatz"), ElementsAre(neither.name()));
  // FULLTEXT operators and quotes are data: the words are searched, nothing else.
  EXPECT_THAT(Find("\"-powershell +(word) ~\\\"spawned\\\" @3\""), ElementsAre(by_name.name()));
  EXPECT_EQ(ListWith("\"** ()\"").error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // An edited note is searched by its new text, a deleted one not at all.
  const v1::CaseNote note = MustAddNote(neither.name(), "beaconing to rare domain");
  EXPECT_THAT(Find("beaconing"), ElementsAre(neither.name()));
  v1::CaseNote edited;
  ASSERT_TRUE(EditNote(note, "exfiltration over dns", &edited).ok());
  EXPECT_THAT(Find("beaconing"), IsEmpty());
  EXPECT_THAT(Find("exfiltration"), ElementsAre(neither.name()));
  ASSERT_TRUE(DeleteNote(note.name()).ok());
  EXPECT_THAT(Find("exfiltration"), IsEmpty());

  // A term present only in another tenant's case finds nothing here.
  const std::string other = world_.foreign_customer[Licence::kPresent];
  v1::CreateCaseRequest foreign;
  foreign.set_parent(other);
  *foreign.mutable_case_() = NewCase("Zebrafish lateral movement");
  v1::Case foreign_case;
  ASSERT_TRUE(world_.stubs()
                  .cases
                  ->CreateCase(World::Context(world_.Token("TENANT_ADMIN", other)).get(), foreign,
                               &foreign_case)
                  .ok());
  EXPECT_THAT(Find("zebrafish"), IsEmpty());
  EXPECT_THAT(Find("zebrafish", other, world_.Token("TENANT_ADMIN", other)),
              ElementsAre(foreign_case.name()));
}

TEST_F(CaseNotebookTest, TextSearchPagesAreStableAndComplete) {
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    v1::Case c = NewCase(absl::StrCat("Ransomware wave ", i));
    made.insert(made.begin(), MustCreate(c).name());  // newest first
  }
  MustCreate(NewCase("Unrelated"));
  EXPECT_EQ(Find("ransomware", "", "", 2), made);
}

TEST_F(CaseNotebookTest, PartnerListsAcrossTenantsShowWhoseCaseAndFilterByTenant) {
  const v1::Case mine = MustCreate(NewCase("Partner view"));
  const std::string partner = world_.Token("PARTNER_ADMIN", world_.main_partner);
  v1::ListCasesRequest request;
  request.set_parent("tenants/-");
  request.set_filter(absl::StrCat("tenant = \"", tenant_, "\""));
  v1::ListCasesResponse response;
  ASSERT_TRUE(
      world_.stubs().cases->ListCases(World::Context(partner).get(), request, &response).ok());
  ASSERT_EQ(response.cases_size(), 1);
  EXPECT_EQ(response.cases(0).name(), mine.name());
  EXPECT_EQ(response.cases(0).tenant_display_name(), "Customer present");
  request.set_filter("tenant = \"tenants/nope\"");
  EXPECT_EQ(world_.stubs()
                .cases->ListCases(World::Context(partner).get(), request, &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace cases::testing
