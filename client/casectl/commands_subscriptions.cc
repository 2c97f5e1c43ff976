// Webhook subscriptions: create, inspect, pause, resume, remove, and the log of
// delivery attempts.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

const std::vector<std::string> kSubscriptionHeaders = {"STATE", "LAST DELIVERY", "URI",
                                                       "DISPLAY NAME", "NAME"};

std::vector<std::string> SubscriptionRow(const v1::Subscription& s) {
  return {Short(v1::SubscriptionState_descriptor(), s.state()),
          s.has_last_delivery_time() ? Time(s.last_delivery_time()) : "-", s.uri(),
          s.display_name(), s.name()};
}

void ShowSubscription(const v1::Subscription& s) {
  PrintTable(kSubscriptionHeaders, {SubscriptionRow(s)});
  std::vector<std::string> types;
  for (int t : s.activity_types()) {
    types.push_back(Short(v1::ActivityType_descriptor(), t));
  }
  std::printf("types %s, creator %s, etag %s%s%s\n",
              types.empty() ? "all" : absl::StrJoin(types, ",").c_str(), s.creator().c_str(),
              s.etag().c_str(),
              s.last_error().empty() ? "" : ", last error: ", s.last_error().c_str());
}

const std::vector<std::string> kDeliveryHeaders = {"TIME",    "ATTEMPT",  "STATUS",
                                                   "LATENCY", "ACTIVITY", "ERROR"};

std::vector<std::string> DeliveryRow(const v1::Delivery& d) {
  const absl::Duration latency =
      absl::Seconds(d.latency().seconds()) + absl::Nanoseconds(d.latency().nanos());
  return {Time(d.create_time()),
          absl::StrCat(d.attempt()),
          d.http_status() == 0 ? "-" : absl::StrCat(d.http_status()),
          absl::FormatDuration(absl::Trunc(latency, absl::Milliseconds(1))),
          d.activity(),
          d.error()};
}

// The secret from --secret-file (a path, or - for standard input), else --secret.
std::string SecretOf(const Args& args) {
  if (!args.Has("secret-file")) {
    return args.Get("secret");
  }
  const std::string path = args.Get("secret-file");
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream file(path);
    if (!file) {
      throw UsageError(absl::StrCat("--secret-file: cannot read ", path));
    }
    text << file.rdbuf();
  }
  return std::string(absl::StripTrailingAsciiWhitespace(text.str()));
}

int CreateSubscription(Context& c) {
  v1::CreateSubscriptionRequest request;
  request.set_parent(c.args.Required("parent"));
  v1::Subscription* s = request.mutable_subscription();
  s->set_display_name(c.args.Required("name"));
  s->set_uri(c.args.Required("uri"));
  s->set_secret(SecretOf(c.args));
  for (const std::string& type : c.args.All("type")) {
    s->add_activity_types(ParseEnum<v1::ActivityType>(v1::ActivityType_descriptor(), type, "type"));
  }
  request.set_request_id(c.args.Get("request-id"));
  return c.Unary(c.client->automation(), &v1::AutomationService::Stub::CreateSubscription, request,
                 &ShowSubscription);
}

int ListSubscriptions(Context& c) {
  v1::ListSubscriptionsRequest request;
  request.set_parent(c.args.Required("parent"));
  return c.List(c.client->automation(), &v1::AutomationService::Stub::ListSubscriptions, request,
                &v1::ListSubscriptionsResponse::subscriptions, kSubscriptionHeaders,
                &SubscriptionRow);
}

int GetSubscription(Context& c) {
  v1::GetSubscriptionRequest request;
  request.set_name(c.args.Word(2, "subscription name"));
  return c.Unary(c.client->automation(), &v1::AutomationService::Stub::GetSubscription, request,
                 &ShowSubscription);
}

int SetState(Context& c, v1::SubscriptionState state) {
  v1::UpdateSubscriptionRequest request;
  request.mutable_subscription()->set_name(c.args.Word(2, "subscription name"));
  request.mutable_subscription()->set_etag(c.args.Get("etag"));
  request.mutable_subscription()->set_state(state);
  request.mutable_update_mask()->add_paths("state");
  return c.Unary(c.client->automation(), &v1::AutomationService::Stub::UpdateSubscription, request,
                 &ShowSubscription);
}

int RemoveSubscription(Context& c) {
  v1::DeleteSubscriptionRequest request;
  request.set_name(c.args.Word(2, "subscription name"));
  request.set_etag(c.args.Get("etag"));
  return c.Unary(
      c.client->automation(), &v1::AutomationService::Stub::DeleteSubscription, request,
      [&](const google::protobuf::Empty&) { std::printf("removed %s\n", request.name().c_str()); });
}

int ListDeliveries(Context& c) {
  v1::ListDeliveriesRequest request;
  request.set_parent(c.args.Word(2, "subscription name"));
  return c.List(c.client->automation(), &v1::AutomationService::Stub::ListDeliveries, request,
                &v1::ListDeliveriesResponse::deliveries, kDeliveryHeaders, &DeliveryRow);
}

}  // namespace

std::vector<Command> SubscriptionCommands() {
  return {
      {"subscriptions", "create",
       "subscriptions create --parent TENANT --name N --uri https://... (--secret S | "
       "--secret-file F|-)\n               [--type ACTIVITY_TYPE ...] [--request-id ID]",
       &CreateSubscription},
      {"subscriptions", "list", "subscriptions list --parent TENANT", &ListSubscriptions},
      {"subscriptions", "get", "subscriptions get NAME", &GetSubscription},
      {"subscriptions", "pause", "subscriptions pause NAME [--etag E]",
       [](Context& c) { return SetState(c, v1::SUBSCRIPTION_STATE_PAUSED); }},
      {"subscriptions", "resume", "subscriptions resume NAME [--etag E]",
       [](Context& c) { return SetState(c, v1::SUBSCRIPTION_STATE_ACTIVE); }},
      {"subscriptions", "rm", "subscriptions rm NAME [--etag E]", &RemoveSubscription},
      {"subscriptions", "deliveries", "subscriptions deliveries NAME (newest first)",
       &ListDeliveries},
  };
}

}  // namespace cases::client::cli
