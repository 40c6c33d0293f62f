#include "kitaku/ui/i18n.hpp"

#include <atomic>

namespace kitaku::ui {
namespace {
std::atomic<Lang> g_lang{Lang::kEnglish};
}
Lang language() noexcept { return g_lang.load(std::memory_order_relaxed); }
void set_language(Lang lang) noexcept { g_lang.store(lang, std::memory_order_relaxed); }
}  // namespace kitaku::ui
