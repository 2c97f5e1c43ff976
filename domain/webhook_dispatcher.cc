#include "domain/webhook_dispatcher.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/log.h"
#include "domain/activities.h"
#include "soc/cases/v1/automation_service.pb.h"
#include "sql/db_time.h"
#include "tenancy/principal.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;

constexpr int kBatch = 200;                                // activities read per tenant per round
constexpr absl::Duration kRoundBudget = absl::Seconds(1);  // then the round's log is written
constexpr absl::Duration kIdleWait = absl::Milliseconds(500);

// What a subscription may read, rebuilt from its creator's principal.
struct Reader {
  std::vector<std::string> tenants;               // the creator's reach, sorted
  std::map<std::string, std::set<int>> readable;  // tenant → products shown (0: tenant-wide)
};

Reader ReaderOf(const tenancy::Guard& guard,
                const std::shared_ptr<const tenancy::TenantSnapshot>& snapshot,
                const sql::SubscriptionRow& s) {
  Reader reader;
  const sql::TenantRow* home = snapshot->Find(s.creator_tenant_id);
  if (home == nullptr) {
    return reader;  // the creator's tenant is gone: nothing is readable
  }
  tenancy::CallContext call;
  call.principal.subject = s.creator;
  call.principal.home_tenant_id = s.creator_tenant_id;
  call.principal.home_kind = static_cast<tenancy::TenantKind>(home->kind);
  for (const std::string& name : s.creator_roles) {
    v1::Role role;
    if (v1::Role_Parse(name, &role) && tenancy::RoleFitsKind(role, call.principal.home_kind)) {
      call.principal.roles.push_back(role);
    }
  }
  call.snapshot = snapshot;
  call.now = absl::Now();
  for (const std::string& t : tenancy::ReachableTenants(call.principal, *snapshot)) {
    call.tenant_id = t;
    std::set<int> products = {v1::PRODUCT_UNSPECIFIED};
    for (v1::Product p : guard.PermittedProducts(call, t, tenancy::Action::kReadActivities)) {
      products.insert(p);
    }
    reader.tenants.push_back(t);
    reader.readable[t] = std::move(products);
  }
  return reader;
}

bool Subscribed(const sql::SubscriptionRow& s, int type) {
  if (s.activity_types.empty()) {
    return true;
  }
  const std::string text = std::to_string(type);
  return std::find(s.activity_types.begin(), s.activity_types.end(), text) !=
         s.activity_types.end();
}

// Where a source tenant without a cursor starts: the subscription's creation.
std::string StartCursor(const sql::SubscriptionRow& s) {
  return sql::ActivityIdOf(absl::ToUnixMillis(s.create_time) << 12, std::string(8, '\0'));
}

// Whether `s` sends `row`: its creator could read it and its type is subscribed.
bool Deliverable(const Reader& reader, const sql::SubscriptionRow& s, const sql::ActivityRow& row) {
  auto shown = reader.readable.find(row.tenant_id);
  return shown != reader.readable.end() && shown->second.count(row.product) != 0 &&
         Subscribed(s, row.type);
}

// Up to kBatch activities of each reachable tenant past its cursor, merged by id.
absl::StatusOr<std::vector<sql::ActivityRow>> ReadPending(
    sql::ActivityStore& activities, const sql::SubscriptionRow& s, const Reader& reader,
    const std::map<std::string, std::string>& cursors) {
  auto heads = activities.Heads(reader.tenants);  // the tenants with anything past their cursor
  if (!heads.ok()) {
    return heads.status();
  }
  std::vector<sql::ActivityRow> pending;
  const std::string start = StartCursor(s);
  for (const auto& [t, head] : *heads) {
    auto cursor = cursors.find(t);
    const std::string& after = cursor == cursors.end() ? start : cursor->second;
    if (head <= sql::ActivityBitsOf(after)) {
      continue;
    }
    auto rows = activities.After(t, after, kBatch);
    if (rows.ok()) {
      pending.insert(pending.end(), rows->begin(), rows->end());
    }
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const sql::ActivityRow& a, const sql::ActivityRow& b) {
                     return sql::ActivityBitsOf(a.activity_id) < sql::ActivityBitsOf(b.activity_id);
                   });
  return pending;
}

// When the oldest activity `s` has yet to send was committed; nullopt when it
// is caught up. Looks at most kProbeBatches batches past each cursor: past
// that (a narrow type filter over a long backlog) it answers the oldest
// activity not looked at, which is no later than the true one.
std::optional<absl::Time> OldestUndelivered(sql::ActivityStore& activities,
                                            const sql::SubscriptionRow& s, const Reader& reader,
                                            std::map<std::string, std::string> cursors) {
  constexpr int kProbeBatches = 10;
  for (int i = 0; i < kProbeBatches; ++i) {
    auto pending = ReadPending(activities, s, reader, cursors);
    if (!pending.ok() || pending->empty()) {
      return std::nullopt;
    }
    for (const sql::ActivityRow& row : *pending) {
      if (Deliverable(reader, s, row)) {
        return row.create_time;
      }
      cursors[row.tenant_id] = row.activity_id;
    }
  }
  auto rest = ReadPending(activities, s, reader, cursors);
  if (!rest.ok() || rest->empty()) {
    return std::nullopt;
  }
  return rest->front().create_time;
}

// "active", "paused", "failing", "disabled".
std::string StateLabel(int state) {
  std::string name = v1::SubscriptionState_Name(static_cast<v1::SubscriptionState>(state));
  name = name.substr(std::string("SUBSCRIPTION_STATE_").size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string OutcomeOf(const webhook::Result& r, bool disabled) {
  if (r.delivered()) {
    return "delivered";
  }
  if (disabled) {
    return "disabled";
  }
  if (absl::StartsWith(r.error, "refused")) {
    return "refused";
  }
  return r.http_status == 0 && absl::StrContains(r.error, "imeout") ? "timeout" : "failed";
}

// A delivery id after `last` (empty: none): a fresh UUIDv7, or `last` plus one when
// that would not sort after it (attempts within one millisecond), so a
// subscription's log lists newest first in the order the attempts were made.
std::string NextDeliveryId(const std::string& last, absl::Time now) {
  std::string id = NewIdBytes(now);
  if (last.empty() || id > last) {
    return id;
  }
  id = last;
  for (size_t i = id.size(); i-- > 8;) {
    if (++reinterpret_cast<unsigned char&>(id[i]) != 0) {
      break;
    }
  }
  return id;
}

}  // namespace

absl::Duration RetryDelay(int failures) {
  if (failures <= 0) {
    return absl::ZeroDuration();
  }
  absl::Duration d = kFirstRetry;
  for (int i = 1; i < failures && d < kMaxRetry; ++i) {
    d *= 2;
  }
  return std::min(d, kMaxRetry);
}

WebhookDispatcher::WebhookDispatcher(const tenancy::Guard* guard,
                                     tenancy::TenantDirectory* directory,
                                     sql::SubscriptionStore* subscriptions,
                                     sql::ActivityStore* activities, ActivityHub* hub,
                                     const webhook::Sender* sender, DispatcherOptions options)
    : guard_(guard),
      directory_(directory),
      subscriptions_(subscriptions),
      activities_(activities),
      hub_(hub),
      sender_(sender),
      options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  scanner_ = std::thread([this] { ScanLoop(); });
  if (options_.backlog) {
    prober_ = std::thread([this] { ProbeLoop(); });
  }
}

void WebhookDispatcher::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  Wake();
  if (scanner_.joinable()) {
    scanner_.join();
  }
  if (prober_.joinable()) {
    prober_.join();
  }
  std::map<std::string, std::unique_ptr<Worker>> workers;
  {
    MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (auto& [key, worker] : workers) {
    worker->thread.join();
  }
}

void WebhookDispatcher::Wake() {
  MutexLock lock(&mu_);
  woken_ = true;
}

int WebhookDispatcher::running() const {
  MutexLock lock(&mu_);
  return static_cast<int>(workers_.size());
}

void WebhookDispatcher::ScanLoop() {
  while (!stopping_.load()) {
    Scan();
    MutexLock lock(&mu_);
    mu_.AwaitWithTimeout([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return woken_; },
                         options_.scan_every);
    woken_ = false;
  }
}

void WebhookDispatcher::ProbeLoop() {
  while (!stopping_.load()) {
    options_.backlog(Probe());
    MutexLock lock(&mu_);
    mu_.AwaitWithTimeout([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return stopping_.load(); },
                         options_.probe_every);
  }
}

std::map<std::string, std::optional<absl::Time>> WebhookDispatcher::Probe() {
  std::map<std::string, std::optional<absl::Time>> oldest;
  for (int state : {v1::SUBSCRIPTION_STATE_ACTIVE, v1::SUBSCRIPTION_STATE_PAUSED,
                    v1::SUBSCRIPTION_STATE_FAILING, v1::SUBSCRIPTION_STATE_DISABLED}) {
    oldest[StateLabel(state)] = std::nullopt;
  }
  auto snapshot = directory_->Current();
  if (!snapshot.ok()) {
    return oldest;
  }
  auto all = subscriptions_->All((*snapshot)->AllIds());
  if (!all.ok()) {
    Log(LogLevel::kWarning, "webhook probe failed", {{"error", all.status().ToString()}});
    return oldest;
  }
  for (const sql::SubscriptionRow& s : *all) {
    if (stopping_.load()) {
      break;
    }
    auto cursors = subscriptions_->Cursors(s.tenant_id, s.subscription_id);
    if (!cursors.ok()) {
      continue;
    }
    const std::optional<absl::Time> first =
        OldestUndelivered(*activities_, s, ReaderOf(*guard_, *snapshot, s), *std::move(cursors));
    std::optional<absl::Time>& slot = oldest[StateLabel(s.state)];
    if (first.has_value() && (!slot.has_value() || *first < *slot)) {
      slot = first;
    }
  }
  return oldest;
}

void WebhookDispatcher::Scan() {
  int free_slots = 0;
  {
    MutexLock lock(&mu_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->second->done.load()) {
        it->second->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    free_slots = options_.max_workers - static_cast<int>(workers_.size());
  }
  if (free_slots <= 0 || stopping_.load()) {
    return;
  }
  auto snapshot = directory_->Current();
  if (!snapshot.ok()) {
    return;
  }
  auto unleased = subscriptions_->Unleased((*snapshot)->AllIds(), free_slots);
  if (!unleased.ok()) {
    Log(LogLevel::kWarning, "webhook scan failed", {{"error", unleased.status().ToString()}});
    return;
  }
  for (const auto& [tenant_id, subscription_id] : *unleased) {
    const std::string key = tenant_id + subscription_id;
    MutexLock lock(&mu_);
    if (workers_.count(key) != 0) {
      continue;
    }
    auto worker = std::make_unique<Worker>();
    Worker* self = worker.get();
    worker->thread = std::thread([this, t = tenant_id, s = subscription_id, self] {
      Work(t, s, self);
      self->done.store(true);
    });
    workers_[key] = std::move(worker);
  }
}

void WebhookDispatcher::Work(const std::string& tenant_id, const std::string& subscription_id,
                             Worker* /*self*/) {
  webhook::Sender::Session session = sender_->NewSession();
  std::map<std::string, std::string> cursors;
  bool cursors_loaded = false;
  std::unique_ptr<ActivityHub::Subscription> wakeups;
  std::vector<std::string> woken_for;
  std::string last_delivery_id;
  while (!stopping_.load()) {
    auto leased =
        subscriptions_->TakeLease(tenant_id, subscription_id, options_.owner, options_.lease);
    if (!leased.ok() || !leased->has_value()) {
      break;  // another replica holds it, or it stopped delivering (paused, removed)
    }
    const absl::Time leased_at = absl::Now();
    const sql::SubscriptionRow s = **leased;
    const absl::Time now = sql::DbNow();
    if (s.next_attempt_time.has_value() && *s.next_attempt_time > now) {
      absl::SleepFor(std::min(*s.next_attempt_time - now, options_.lease / 3));
      continue;
    }
    auto snapshot = directory_->Current();
    if (!snapshot.ok()) {
      absl::SleepFor(kIdleWait);
      continue;
    }
    const Reader reader = ReaderOf(*guard_, *snapshot, s);
    if (!cursors_loaded) {
      auto loaded = subscriptions_->Cursors(tenant_id, subscription_id);
      if (!loaded.ok()) {
        absl::SleepFor(kIdleWait);
        continue;
      }
      cursors = *std::move(loaded);
      cursors_loaded = true;
    }
    if (woken_for != reader.tenants) {
      auto subscribed = hub_->Subscribe(reader.tenants);
      wakeups = subscribed.ok() ? *std::move(subscribed) : nullptr;
      woken_for = reader.tenants;
    }
    auto read = ReadPending(*activities_, s, reader, cursors);
    if (!read.ok()) {
      absl::SleepFor(kIdleWait);
      continue;
    }
    const std::vector<sql::ActivityRow>& pending = *read;
    if (pending.empty()) {
      if (wakeups != nullptr) {
        bool closed = false, overflow = false;
        wakeups->Next(kIdleWait, &closed, &overflow);
      } else {
        absl::SleepFor(absl::Milliseconds(100));
      }
      continue;
    }

    std::vector<sql::DeliveryRow> attempts;
    std::map<std::string, std::string> moved;
    sql::SubscriptionProgress progress{
        s.state, s.failures, s.first_failure_time, s.next_attempt_time, s.last_error, std::nullopt};
    const absl::Time round_start = absl::Now();
    for (const sql::ActivityRow& row : pending) {
      if (stopping_.load() || absl::Now() - round_start > kRoundBudget ||
          absl::Now() - leased_at > options_.lease / 3) {
        break;  // write the round down; the rest goes next round
      }
      if (!Deliverable(reader, s, row)) {
        moved[row.tenant_id] = row.activity_id;
        continue;
      }
      v1::Activity proto;
      std::string body;
      if (!ActivityToProto(**snapshot, row, &proto) ||
          !google::protobuf::util::MessageToJsonString(proto, &body).ok()) {
        Log(LogLevel::kWarning, "webhook activity does not render; skipped",
            {{"activity", ActivityName(row)}});
        moved[row.tenant_id] = row.activity_id;
        continue;
      }
      const absl::Time attempt_time = absl::Now();
      const webhook::Result result = session.Post(s.uri, body, ActivityName(row), s.secret);
      sql::DeliveryRow d;
      d.tenant_id = tenant_id;
      d.subscription_id = subscription_id;
      d.delivery_id = NextDeliveryId(last_delivery_id, attempt_time);
      last_delivery_id = d.delivery_id;
      d.activity = ActivityName(row);
      d.attempt = progress.failures + 1;
      d.http_status = result.http_status;
      d.error = result.error.substr(0, 1024);
      d.latency_us = absl::ToInt64Microseconds(result.latency);
      d.create_time = attempt_time;
      attempts.push_back(d);
      bool disabled = false;
      if (result.delivered()) {
        moved[row.tenant_id] = row.activity_id;
        progress = {v1::SUBSCRIPTION_STATE_ACTIVE, 0, std::nullopt, std::nullopt, "", absl::Now()};
      } else {
        const absl::Time first = progress.first_failure_time.value_or(attempt_time);
        progress.failures += 1;
        progress.first_failure_time = first;
        progress.last_error = d.error;
        disabled = result.http_status == 410 || absl::Now() - first >= kRetryFor;
        progress.state =
            disabled ? v1::SUBSCRIPTION_STATE_DISABLED : v1::SUBSCRIPTION_STATE_FAILING;
        progress.next_attempt_time = attempt_time + RetryDelay(progress.failures);
      }
      if (options_.observe) {
        options_.observe(
            {OutcomeOf(result, disabled), result.latency, absl::Now() - row.create_time});
      }
      if (!result.delivered()) {
        break;  // in order: nothing after it goes before it does
      }
    }
    const absl::Status recorded = subscriptions_->RecordAttempts(
        tenant_id, subscription_id, options_.owner, attempts, moved, progress);
    if (!recorded.ok()) {
      Log(LogLevel::kWarning, "webhook deliveries not recorded", {{"error", recorded.ToString()}});
      cursors_loaded = false;  // start over from what the database holds
      absl::SleepFor(kIdleWait);
      continue;
    }
    for (const auto& [t, last] : moved) {
      cursors[t] = last;
    }
    if (progress.state == v1::SUBSCRIPTION_STATE_DISABLED) {
      break;
    }
  }
  (void)subscriptions_->Release(tenant_id, subscription_id, options_.owner);
}

}  // namespace cases::domain
