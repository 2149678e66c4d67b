"""Printable A4 documents (通知书、公示) as PDF, with an embedded CJK TrueType font.

A document is a list of parts — title, paragraphs, key/value tables, signature blocks — rendered
with reportlab's platypus. The font is a TrueType collection (WenQuanYi Zen Hei by default) and
is embedded as a subset (``FontFile2`` in the font descriptor), so the PDF prints the same on
any machine. Its path is the setting ``MINSHENG_PDF_FONT`` (environment variable of the same
name, else the Debian ``fonts-wqy-zenhei`` path); a missing font is a clear Chinese error, never a
PDF of empty boxes.

Usage::

    doc = PdfDocument(title="用工预录通知书", subtitle="编号：YGYL-…")
    doc.paragraph("……")
    doc.table([("姓名", "张三"), ("岗位", "电焊工")])
    doc.signatures([SignatureBlock("企业（盖章）"), SignatureBlock("务工人员（签字）")])
    data: bytes = doc.render()
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from minsheng.core.errors import MinshengError

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_NAME = "MinshengCJK"


class PdfFontMissing(MinshengError):
    default_message = "生成 PDF 所需的中文字体不存在。"


def font_path() -> Path:
    return Path(getattr(settings, "MINSHENG_PDF_FONT", "")
                or os.environ.get("MINSHENG_PDF_FONT", "") or DEFAULT_FONT)


def register_font() -> str:
    """Register the CJK font with reportlab once per process; its registered name."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path = font_path()
    if not path.is_file():
        raise PdfFontMissing(f"生成 PDF 所需的中文字体文件不存在：{path}。请安装 fonts-wqy-zenhei，"
                             "或用设置 MINSHENG_PDF_FONT 指定一个 TrueType 字体（.ttf/.ttc）。")
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    except TTFError as exc:
        raise PdfFontMissing(f"中文字体文件 {path} 无法使用：{exc}") from exc
    return FONT_NAME


@dataclass(frozen=True)
class SignatureBlock:
    """A party's signature box: the label (e.g. 企业（盖章）), optional lines above the date."""

    label: str
    lines: tuple[str, ...] = ()
    date_line: str = "日期：" + "\u00a0" * 10 + "年" + "\u00a0" * 5 + "月" + "\u00a0" * 5 + "日"


@dataclass
class PdfDocument:
    title: str
    subtitle: str = ""
    author: str = ""
    parts: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, text: str) -> PdfDocument:
        self.parts.append(("heading", text))
        return self

    def paragraph(self, text: str) -> PdfDocument:
        self.parts.append(("paragraph", text))
        return self

    def table(self, rows: list[tuple[str, str]], *, key_width_mm: float = 38) -> PdfDocument:
        self.parts.append(("table", (rows, key_width_mm)))
        return self

    def signatures(self, blocks: list[SignatureBlock]) -> PdfDocument:
        self.parts.append(("signatures", blocks))
        return self

    def render(self) -> bytes:
        """The document as PDF bytes (A4, 20 mm margins)."""
        font = register_font()
        base = ParagraphStyle("base", fontName=font, fontSize=11, leading=16,
                              wordWrap="CJK", firstLineIndent=0)
        body = ParagraphStyle("body", parent=base, firstLineIndent=22)
        title = ParagraphStyle("title", parent=base, fontSize=20, leading=28,
                               alignment=TA_CENTER, spaceAfter=4)
        sub = ParagraphStyle("sub", parent=base, fontSize=10, alignment=TA_CENTER,
                             textColor=colors.HexColor("#444444"))
        head = ParagraphStyle("head", parent=base, fontSize=13, leading=20, spaceBefore=8)
        width = A4[0] - 40 * mm
        story: list[Any] = [Paragraph(_escape(self.title), title)]
        if self.subtitle:
            story.append(Paragraph(_escape(self.subtitle), sub))
        story.append(Spacer(1, 4 * mm))
        for kind, value in self.parts:
            if kind == "heading":
                story.append(Paragraph(_escape(value), head))
            elif kind == "paragraph":
                story.append(Paragraph(_escape(value), body))
                story.append(Spacer(1, 2 * mm))
            elif kind == "table":
                rows, key_width = value
                data = [[Paragraph(_escape(k), base), Paragraph(_escape(v), base)]
                        for k, v in rows]
                table = Table(data, colWidths=[key_width * mm, width - key_width * mm])
                table.setStyle(TableStyle([
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]))
                story.extend([table, Spacer(1, 3 * mm)])
            elif kind == "signatures":
                story.append(KeepTogether(_signatures(value, base, width)))
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                                topMargin=20 * mm, bottomMargin=20 * mm, title=self.title,
                                author=self.author or "民生平台", subject=self.subtitle)
        doc.build(story)
        return buffer.getvalue()


def _signatures(blocks: list[SignatureBlock], style: Any, width: float) -> list[Any]:
    cells = []
    for block in blocks:
        cell: list[Any] = [Paragraph(_escape(block.label), style), Spacer(1, 12 * mm)]
        cell.extend(Paragraph(_escape(line), style) for line in block.lines)
        cell.append(HRFlowable(width="90%", thickness=0.5, color=colors.black))
        cell.append(Paragraph(_escape(block.date_line), style))
        cells.append(cell)
    column = width / max(1, len(cells))
    table = Table([cells], colWidths=[column] * len(cells))
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.black),
                               ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 6)]))
    return [Spacer(1, 3 * mm), table]


def _escape(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br/>"))
