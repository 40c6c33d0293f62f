#include <stdexcept>
#include "commands.hpp"
namespace kitaku::app {
void add_run_command(CLI::App& app) {
  app.add_subcommand("run", "(being written)")->callback([] { throw std::runtime_error("not yet written"); });
}
}  // namespace kitaku::app
