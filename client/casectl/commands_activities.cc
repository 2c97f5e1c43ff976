// The change feed: list it, or follow it live.
#include <cstdio>
#include <thread>

#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

const std::vector<std::string> kActivityHeaders = {"TIME", "TYPE", "ACTOR", "RESOURCE", "NAME"};

std::vector<std::string> ActivityRow(const v1::Activity& a) {
  return {Time(a.create_time()), Short(v1::ActivityType_descriptor(), a.type()), a.actor(),
          a.resource(), a.name()};
}

int ListActivities(Context& c) {
  v1::ListActivitiesRequest request;
  request.set_parent(c.Parent());
  request.set_filter(c.args.Get("filter"));
  return c.List(c.client->activities(), &v1::ActivityService::Stub::ListActivities, request,
                &v1::ListActivitiesResponse::activities, kActivityHeaders, &ActivityRow);
}

// Streams until interrupted; after a disconnect it resumes right after the last
// activity received, so nothing is shown twice or skipped.
int WatchActivities(Context& c) {
  v1::StreamActivitiesRequest request;
  request.set_parent(c.Parent());
  request.set_filter(c.args.Get("filter"));
  request.set_start_after(c.args.Get("start-after"));
  for (int attempt = 1;; ++attempt) {
    auto context = c.client->NewContext(std::chrono::hours(24 * 365));
    auto reader = c.client->activities().StreamActivities(context.get(), request);
    v1::Activity a;
    while (reader->Read(&a)) {
      attempt = 1;
      if (c.Json()) {
        PrintJson(a);
      } else {
        const std::vector<std::string> row = ActivityRow(a);
        std::printf("%s  %-26s %-20s %s\n", row[0].c_str(), row[1].c_str(), row[2].c_str(),
                    row[3].c_str());
      }
      std::fflush(stdout);
      request.set_start_after(a.name());
    }
    grpc::Status status = reader->Finish();
    // A reader that fell behind is told where to resume (RESOURCE_EXHAUSTED, retried).
    if (ErrorDetails details = DetailsOf(status); details.reason == "STREAM_BEHIND") {
      request.set_start_after(details.metadata["resume_after"]);
    }
    auto delay = RetryDelay(status, true, attempt, c.client->options());
    if (!delay.has_value()) {
      return PrintError(status);
    }
    std::this_thread::sleep_for(*delay);
  }
}

}  // namespace

std::vector<Command> ActivityCommands() {
  return {
      {"activities", "list", "activities list [--parent P|tenants/-] [--filter F]",
       &ListActivities},
      {"activities", "watch",
       "activities watch [--parent P|tenants/-] [--filter F] [--start-after ACTIVITY]",
       &WatchActivities},
  };
}

}  // namespace cases::client::cli
