#pragma once
// What every panel sees: the immutable scenario, network and city, the newest
// snapshot, the controller to send commands through, and the dashboard's shared
// UI state (selection, map view requests, alerts, the event log). Panels are
// structs with a Draw(DashboardContext&) method; they never include GLFW.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/snapshot.hpp"
#include "kitaku/ui/areas.hpp"
#include "kitaku/ui/backend.hpp"
#include "kitaku/ui/sim_runner.hpp"

namespace kitaku::ui {

/// Something the operator should know, kept in the alert log: stamped with the
/// simulation time at which it happened (not when the dashboard saw it), a kind and
/// severity to filter and group by, and whether the operator has acknowledged it.
struct Alert {
  enum class Kind : std::uint8_t { kEdgeCrush, kFacilityFull, kFacilityClosed, kFacilityDamaged, kInfo };
  static constexpr int kKinds = 5;
  enum class Severity : std::uint8_t { kInfo, kWarning, kCritical };
  std::int64_t time_s = 0;
  Kind kind = Kind::kInfo;
  EdgeId edge = kNoEdge;             // the crowded edge (kEdgeCrush)
  ShelterId facility = kNoShelter;   // the facility (kFacility*, and info about one)
  std::string text;                  // in English
  std::string text_ja;               // in Japanese (empty: as `text`)
  Severity severity = Severity::kInfo;
  std::string source;                // who caused it ("hazard", "operator", ...); repeats group by kind and source
  bool acknowledged = false;
  /// The text in the language now.
  const std::string& shown() const;
};

/// A pending guidance order drawn on the map (area circle and arrow to the facility).
struct GuidanceMark {
  Point centre;
  double radius_m = 0;
  ShelterId facility = kNoShelter;
  std::int64_t time_s = 0;
};

struct DashboardContext {
  DashboardContext(const Scenario& sc, const Network& net, const City& c, Controller& ctl, TextureHost& tex)
      : scenario(sc), network(net), city(c), controller(ctl), textures(tex), snap(ctl.latest()), live(snap) {}

  const Scenario& scenario;
  const Network& network;
  const City& city;
  Controller& controller;
  TextureHost& textures;
  std::shared_ptr<const Snapshot> snap;  // what the panels show: the live snapshot, or the one under review
  std::shared_ptr<const Snapshot> live;  // the newest snapshot, refreshed at the start of every frame
  /// Set by the time slider: the past snapshot under review (null: live). While it is
  /// set, `snap` is it, and commands are refused (act on the present, not the past).
  std::shared_ptr<const Snapshot> review;
  bool reviewing() const { return review != nullptr; }

  // Selection (kNoShelter, kNoEdge, -1: none). Panels set these; the map highlights them.
  ShelterId selected_facility = kNoShelter;
  EdgeId selected_edge = kNoEdge;
  std::int64_t selected_area = -1;       // allocation area: an index into areas()
  /// How the city is divided into areas (grid / ward / station); set_area_mode() changes it.
  AreaMode area_mode() const { return area_mode_; }
  /// Switches the area mode; the selected area is cleared (its index meant another area).
  void set_area_mode(AreaMode m);
  /// The areas of the current mode (built on first use, then kept).
  const Areas& areas() const { return areas_for(area_mode_); }
  const Areas& areas_for(AreaMode m) const;
  /// Set to ask the map to centre on a point on its next frame.
  bool centre_request = false;
  Point centre_on;
  /// Set by the map: where the user last clicked on it (network CRS), for injects.
  bool has_picked_point = false;
  Point picked_point;
  /// Whether an id names an existing facility or edge of this run.
  bool exists(ShelterId f) const { return valid(f) && index(f) < city.facilities.size(); }
  bool exists(EdgeId e) const { return valid(e) && index(e) < network.edge_count(); }

  std::vector<GuidanceMark> guidance;    // orders sent, newest last
  std::deque<Alert> alerts;              // newest last
  std::string status;                    // one line for the status bar (last action or error)

  /// Tests: when set, mark() records widgets' screen rectangles by name so that a
  /// test can move the mouse there and click, as a user would.
  bool record_widgets = false;
  std::map<std::string, std::pair<ImVec2, ImVec2>> widgets;
  /// Records the last ImGui item's rectangle under `name` (when record_widgets).
  void mark(const std::string& name);

  /// Sends a command; on refusal puts the reason in `status` and returns false.
  bool send(Command c);
  /// Scenario clock: "day 1 15:32" (quake day is day 1).
  std::string clock_text(std::int64_t time_s) const;
  /// Time since the quake: "+2:46".
  static std::string since_quake_text(std::int64_t time_s);
  /// The scenario's title in the language now ([scenario] name_ja in Japanese, when given).
  const std::string& scenario_name() const;

 private:
  AreaMode area_mode_ = AreaMode::kGrid;
  mutable std::array<std::shared_ptr<const Areas>, kAreaModes> areas_;
};

}  // namespace kitaku::ui
