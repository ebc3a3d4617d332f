"""Step 5 of the flow (first part): find the deadline a requirement states.

For now the deadline is kept as written in the plan ("于每年3月31日前", "年内");
normalization to the house style and due dates comes with the units/deadlines step.
"""

from __future__ import annotations

import re

_CN_MONTH = "一二三四五六七八九十"
_DEADLINE = re.compile(
    r"((?:于|在)?(?:每年)?(?:\d{1,2}|[" + _CN_MONTH + r"]{1,3})月"
    r"(?:\d{1,2}日|底|中旬|上旬|下旬|份)?(?:前|之前|以前|止|完成))"
    r"|((?:上|下)半年(?:内|前)?)"
    r"|((?:第[一二三四1-4]|[一二三四1-4])季度(?:末|底)?前?)"
    r"|(年内|年底前|年末前|全年|每季度|每月|每半年|常态化|长期)"
    r"|((?:印发|出台|公布|发布)后\s*\d{1,3}\s*(?:个)?(?:工作日|日|天|月)内)"
)


def find_deadline_text(text: str) -> str:
    """The first deadline phrase stated in ``text``, as written; "" when there is none."""
    match = _DEADLINE.search(text)
    return match.group(0) if match else ""
