// formula_draw.cpp: draws a typeset formula (formula.h) with ImGui's draw lists and the embedded
// fonts, at the cursor, as one item. Too wide for the space left: drawn smaller (down to 60 %),
// then wrapped at its top-level spaces is not attempted: the formula stays whole.
#include <algorithm>
#include <cfloat>
#include "ui/formula.h"
#include "ui/ui.h"

namespace attn::ui {

namespace {
TextMeasure measure_of(ImFont* font) {
  TextMeasure m;
  m.width = [font](const std::string& s, float size) { return font->CalcTextSizeA(size, FLT_MAX, 0, s.c_str()).x; };
  m.ascent = font->Ascent / font->FontSize;
  m.descent = -font->Descent / font->FontSize;  // ImGui's descent is negative
  return m;
}
}  // namespace

FormulaBox typeset_in(const std::string& markup, ImFont* font, float size) { return typeset(markup, measure_of(font), size); }

void draw_formula_box(const FormulaBox& b, ImFont* font, ImVec2 p, ImU32 col) {
  const TextMeasure m = measure_of(font);
  const float base = p.y + b.asc;  // the formula's baseline on screen
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const FormulaOp& op : b.ops) {
    if (op.kind == FormulaOp::Line) {
      dl->AddLine(ImVec2(p.x + op.x, base + op.y), ImVec2(p.x + op.x1, base + op.y1), col, op.size);
    } else if (!op.text.empty()) {
      // AddText takes the top of the line: the baseline minus the font's ascent at this size
      dl->AddText(font, op.size, ImVec2(p.x + op.x, base + op.y - m.ascent * op.size), col, op.text.c_str());
    }
  }
}

FormulaBox draw_formula(const std::string& markup, ImFont* font, float size, ImU32 col, float max_w) {
  FormulaBox b = typeset_in(markup, font, size);
  if (max_w > 0 && b.w > max_w) b = typeset_in(markup, font, std::max(size * 0.6f, size * max_w / b.w));
  draw_formula_box(b, font, ImGui::GetCursorScreenPos(), col);
  ImGui::Dummy(ImVec2(b.w, b.height()));
  return b;
}

bool formula_button(const char* id, const std::string& markup) {
  ImFont* font = ImGui::GetFont();
  const FormulaBox b = typeset_in(markup, font, ImGui::GetFontSize());
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  // the frame is as tall as a text button's; the formula's baseline sits on the text's
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const bool clicked = ImGui::Button(id, ImVec2(b.w + 2 * pad.x, ImGui::GetFrameHeight()));
  const float text_top = at.y + pad.y, baseline = text_top + font->Ascent * ImGui::GetFontSize() / font->FontSize;
  draw_formula_box(b, font, ImVec2(at.x + pad.x, baseline - b.asc), ImGui::GetColorU32(ImGuiCol_Text));
  return clicked;
}

float formula_button_width(const std::string& markup) {
  return typeset_in(markup, ImGui::GetFont(), ImGui::GetFontSize()).w + 2 * ImGui::GetStyle().FramePadding.x;
}

std::string stage_markup(Stage s) { return s == Stage::Scores ? "Scores QK^{T}" : stage_name(s); }

}  // namespace attn::ui
