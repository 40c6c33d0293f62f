#include "kitaku/sim/routing.hpp"

#include <algorithm>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>
#include <cmath>
#include <limits>

namespace kitaku {

std::vector<double> shortest_distances(const Network& net, NodeId source) {
  const auto& g = net.graph();
  std::vector<double> dist(net.node_count(), std::numeric_limits<double>::infinity());
  std::vector<double> weight(net.arc_count());
  for (std::size_t a = 0; a < weight.size(); ++a) weight[a] = net.length(ArcId(static_cast<std::uint32_t>(a)));
  boost::dijkstra_shortest_paths_no_color_map(
      g, index(source),
      boost::weight_map(boost::make_iterator_property_map(weight.begin(), get(boost::edge_index, g)))
          .distance_map(boost::make_iterator_property_map(dist.begin(), get(boost::vertex_index, g)))
          .distance_inf(std::numeric_limits<double>::infinity()));
  return dist;
}

double shortest_distance(const Network& net, const EdgeHit& a, const EdgeHit& b) {
  const double la = net.length(a.edge), lb = net.length(b.edge);
  if (a.edge == b.edge) {
    // Along the shared edge, or out of one end, round a cycle, and in at the other.
    const double direct = std::fabs(a.offset_m - b.offset_m);
    const double loop = shortest_distances(net, net.from(a.edge))[index(net.to(a.edge))];
    const double lo = std::min(a.offset_m, b.offset_m), hi = std::max(a.offset_m, b.offset_m);
    return std::min(direct, lo + loop + (la - hi));
  }
  const auto d_from = shortest_distances(net, net.from(a.edge));
  const auto d_to = shortest_distances(net, net.to(a.edge));
  const double out_from = a.offset_m, out_to = la - a.offset_m;
  auto to_node = [&](NodeId n) {
    return std::min(out_from + d_from[index(n)], out_to + d_to[index(n)]);
  };
  return std::min(to_node(net.from(b.edge)) + b.offset_m, to_node(net.to(b.edge)) + (lb - b.offset_m));
}

}  // namespace kitaku
