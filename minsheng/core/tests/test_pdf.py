"""The A4 PDF helper: Chinese text comes back out, the CJK font is embedded, a missing font is a
clear Chinese error."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from minsheng.core import pdf
from minsheng.core.pdf import PdfDocument, PdfFontMissing, SignatureBlock


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """BaseFont → whether its descriptor embeds a TrueType program (FontFile2)."""
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            found[str(font["/BaseFont"])] = (descriptor is not None
                                             and "/FontFile2" in descriptor.get_object())
    return found


def test_document_parts_render_in_chinese_with_the_font_embedded():
    doc = PdfDocument(title="公示", subtitle="第 1 号")
    doc.heading("一、名单").paragraph("以下人员拟享受帮扶，公示期 5 天。<不是标签> & 符号")
    doc.table([("姓名", "张三"), ("村", "大岭社区")])
    doc.signatures([SignatureBlock("村民委员会（盖章）"), SignatureBlock("经办人（签字）", ("李四",))])
    reader = PdfReader(io.BytesIO(doc.render()))
    text = "".join(p.extract_text() for p in reader.pages)
    for part in ("公示", "第 1 号", "一、名单", "公示期 5 天", "<不是标签> & 符号", "张三", "大岭社区",
                 "村民委员会（盖章）", "经办人（签字）", "李四", "日期"):
        assert part in text, part
    fonts = _fonts(reader)
    assert any("WenQuanYi" in name and embedded for name, embedded in fonts.items()), fonts
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_long_text_flows_onto_more_pages():
    doc = PdfDocument(title="长文档")
    for i in range(120):
        doc.paragraph(f"第 {i} 段：" + "就业帮扶" * 20)
    reader = PdfReader(io.BytesIO(doc.render()))
    assert len(reader.pages) > 1
    assert "第 119 段" in reader.pages[-1].extract_text()


def test_missing_font_is_a_chinese_error(settings, tmp_path, monkeypatch):
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(pdf, "FONT_NAME", "MinshengCJKMissingTest")
    settings.MINSHENG_PDF_FONT = str(tmp_path / "none.ttc")
    with pytest.raises(PdfFontMissing) as exc:
        PdfDocument(title="x").render()
    assert exc.value.message.startswith(f"生成 PDF 所需的中文字体文件不存在：{tmp_path / 'none.ttc'}")
    assert "MinshengCJKMissingTest" not in pdfmetrics.getRegisteredFontNames()
