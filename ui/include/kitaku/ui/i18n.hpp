#pragma once
// The dashboard's two languages. Every label is written in place as a pair,
// L("Open", "開設"), so no string table can drift from the code that uses it.
// Widgets whose label changes with the language keep their ImGui ID with "##id":
// L("Open##open", "開設##open").
namespace kitaku::ui {

enum class Lang { kEnglish, kJapanese };

/// The language in use (process-wide; the dashboard's language switch sets it).
Lang language() noexcept;
void set_language(Lang lang) noexcept;

inline const char* L(const char* en, const char* ja) noexcept {
  return language() == Lang::kJapanese ? ja : en;
}

}  // namespace kitaku::ui
