#include <stdexcept>
#include "commands.hpp"
namespace kitaku::app {
void add_synth_command(CLI::App& app) {
  app.add_subcommand("synth", "(being written)")->callback([] { throw std::runtime_error("not yet written"); });
}
}  // namespace kitaku::app
