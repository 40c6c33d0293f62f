// CrowdWalk XML maps (AIST's pedestrian simulator): <Group> of <Node> and <Link>.
#include <cpl_minixml.h>

#include <cctype>
#include <filesystem>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "network_internal.hpp"

namespace kitaku::geo {
namespace {

struct XmlDeleter { void operator()(CPLXMLNode* n) const noexcept { CPLDestroyXMLNode(n); } };

bool is_element(const CPLXMLNode* n, const char* name) {
  return n->eType == CXT_Element && std::strcmp(n->pszValue, name) == 0;
}

/// A required numeric attribute; InputError naming the element when absent or not a number.
double number_attr(const std::string& path, const CPLXMLNode* n, const std::string& place,
                   const char* attr) {
  const char* s = CPLGetXMLValue(n, attr, nullptr);
  if (!s) throw InputError(path, place, std::string("missing attribute ") + attr);
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  while (end && *end == ' ') ++end;
  if (end == s || *end != '\0' || !std::isfinite(v))
    throw InputError(path, place, std::string(attr) + "='" + s + "' is not a number");
  return v;
}

std::int64_t id_number(const char* id, std::int64_t fallback) {
  const std::size_t n = std::strlen(id);
  std::size_t i = n;
  while (i > 0 && id[i - 1] >= '0' && id[i - 1] <= '9') --i;
  return i < n ? std::strtoll(id + i, nullptr, 10) : fallback;
}

/// A link's name from its <tag> children: a station exit ("Tokyo_eki;YaesuMinami_exit")
/// first, else the plain street name (a tag without ';' or ':').
std::string link_name(const CPLXMLNode* link) {
  std::string plain;
  for (const CPLXMLNode* c = link->psChild; c; c = c->psNext) {
    if (!is_element(c, "tag") || !c->psChild || c->psChild->eType != CXT_Text) continue;
    const std::string_view t = c->psChild->pszValue;
    if (t.ends_with("_exit")) return std::string(t);
    if (plain.empty() && t.find(';') == t.npos && t.find(':') == t.npos) plain = t;
  }
  return plain;
}

struct Reader {
  explicit Reader(const std::string& p) : path(p) {}
  const std::string& path;
  NetworkData d;
  netimport::NameTable names{d.names};
  std::unordered_map<std::string, std::uint32_t> node_index;
  std::vector<const CPLXMLNode*> links;

  // Nested groups (floors, areas) hold nodes and links too.
  void collect(const CPLXMLNode* group) {
    for (const CPLXMLNode* c = group->psChild; c; c = c->psNext) {
      if (is_element(c, "Group")) {
        collect(c);
      } else if (is_element(c, "Node")) {
        const char* id = CPLGetXMLValue(c, "id", nullptr);
        const std::string place = std::string("<Node id='") + (id ? id : "?") + "'>";
        if (!id) throw InputError(path, "<Node> #" + std::to_string(d.node_pos.size() + 1), "missing attribute id");
        const double x = number_attr(path, c, place, "x"), y = number_attr(path, c, place, "y");
        if (!node_index.emplace(id, static_cast<std::uint32_t>(d.node_pos.size())).second)
          throw InputError(path, place, "duplicate node id");
        // CrowdWalk's y axis points south: y = -northing; x is the easting.
        d.node_pos.push_back({x, -y});
      } else if (is_element(c, "Link")) {
        links.push_back(c);
      }
    }
  }

  void add_link(const CPLXMLNode* l, std::size_t ordinal) {
    const char* id = CPLGetXMLValue(l, "id", nullptr);
    const std::string place = id ? std::string("<Link id='") + id + "'>" : "<Link> #" + std::to_string(ordinal + 1);
    auto node = [&](const char* attr) {
      const char* ref = CPLGetXMLValue(l, attr, nullptr);
      if (!ref) throw InputError(path, place, std::string("missing attribute ") + attr);
      const auto it = node_index.find(ref);
      if (it == node_index.end())
        throw InputError(path, place, std::string(attr) + "='" + ref + "' names no <Node>");
      return it->second;
    };
    const std::uint32_t a = node("from"), b = node("to");
    const double straight = distance(d.node_pos[a], d.node_pos[b]);
    double length = number_attr(path, l, place, "length");
    if (length < 0) throw InputError(path, place, "negative length");
    // A link may be longer than the straight line (a curved street), never shorter.
    if (length < straight) length = straight;
    double width = 2.0;  // CrowdWalk's own default link width
    if (CPLGetXMLValue(l, "width", nullptr)) {
      width = number_attr(path, l, place, "width");
      if (!(width > 0)) throw InputError(path, place, "width must be positive");
    }
    const Point g[2] = {d.node_pos[a], d.node_pos[b]};
    d.add_edge(NodeId{a}, NodeId{b}, g, static_cast<float>(width), RoadClass::other, 0, {},
               id ? id_number(id, static_cast<std::int64_t>(ordinal)) : static_cast<std::int64_t>(ordinal));
    d.edge_length_m.back() = static_cast<float>(length);
    const std::string name = link_name(l);
    if (!name.empty()) d.edge_name.back() = names.intern(name);
  }
};

}  // namespace

namespace netimport {

bool looks_like_crowdwalk(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[4096];
  const std::size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  std::string_view s(buf, n);
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  // Skip the XML declaration, comments and whitespace up to the root element.
  for (;;) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    if (s.starts_with("<?") || s.starts_with("<!")) {
      const auto end = s.find('>');
      if (end == s.npos) return false;
      s.remove_prefix(end + 1);
      continue;
    }
    break;
  }
  return s.starts_with("<Group") && s.size() > 6 &&
         (std::isspace(static_cast<unsigned char>(s[6])) || s[6] == '>');
}

}  // namespace netimport

NetworkData read_crowdwalk_map(const std::string& path) {
  gdal_init();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "", "no such file");
  CPLErrorReset();
  std::unique_ptr<CPLXMLNode, XmlDeleter> root(CPLParseXMLFile(path.c_str()));
  if (!root) {
    const std::string why = last_gdal_error();
    throw InputError(path, "", "not a readable XML file" + (why.empty() ? std::string() : ": " + why));
  }
  const CPLXMLNode* group = nullptr;
  for (const CPLXMLNode* c = root.get(); c; c = c->psNext)
    if (is_element(c, "Group")) { group = c; break; }
  if (!group) throw InputError(path, "root element", "not a CrowdWalk map (expected <Group>)");

  Reader r(path);
  r.collect(group);
  if (r.d.node_pos.empty()) throw InputError(path, "<Group>", "the CrowdWalk map has no <Node>");
  r.d.geom_first.reserve(r.links.size() + 1);
  for (std::size_t i = 0; i < r.links.size(); ++i) r.add_link(r.links[i], i);
  r.d.crs_wkt = wkt2(srs_from_epsg(6677));
  r.d.epsg = 6677;
  if (r.d.geom_first.empty()) r.d.geom_first.push_back(0);
  return std::move(r.d);
}

}  // namespace kitaku::geo
