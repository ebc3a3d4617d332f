"""Unit cells of a task table, as people write them.

A 责任单位 cell of a published table is seldom a clean list. Seen in real tables:

* one unit per line, or units separated by spaces, 、，,；;
* role phrases inside the cell: "X牵头，Y配合；各镇（街）参照落实", "X主办、Y协办",
  "X负责落实", "X、Y、Z分别牵头落实", "区司法局牵头区级规范性文件集中公开工作"
  (the words after the verb describe the work, they are no unit), "*X" for the lead;
* a label per line: "牵头责任单位：…" / "主要协作单位：…";
* a bracket that belongs to the name: 各镇（街）, 各县（市、区）人民政府,
  区发展改革委（粮食和储备局）;
* a trailing 等 / 等相关区直部门 that closes a list;
* two names glued without a separator ("区商务局区教育局").

:func:`parse_unit_cell` reads all of these into the three roles (牵头 lead,
责任 units, 配合 assist; 参与 and 协办 are 配合).
"""

from __future__ import annotations

import re

from .directory import UnitDirectory
from .notes import UnitRoles

# A role phrase after a list of names; longest first so "分别牵头落实" wins over "牵头".
# 主办 is the lead's word where its partner is 协办 (督办 practice: 主办/协办 = 牵头/配合).
_ROLE_VERBS = (
    ("lead", r"(?:分别|共同|负责)?(?:牵头(?:负责|落实|抓总|推进|实施)?|主办)"),
    ("assist", r"(?:共同|积极|分别)?(?:配合|协办|协助|参与|协同)(?:落实|实施|推进)?"),
    ("units", r"(?:分别|具体|共同|按职责分工|按照职责分工|按职责|各自)?(?:负责(?:落实|实施|推进)?|具体落实|承办"
              r"|抓好落实|组织实施|参照(?:落实|执行)|落实|实施)"),
)
_VERB = re.compile("|".join(f"(?P<{role}>{pattern})(?!部门|单位|科室|处室|股室|机构|领导|人)"
                            for role, pattern in _ROLE_VERBS))
# "牵头责任单位：", "主要协作单位:", "配合部门：" — a label that opens a line or a clause.
_LABEL = re.compile(r"(?:^|(?<=[\n；;。，,、\s]))\s*([\u4e00-\u9fff]{0,8}?(?:单位|部门|科室|股室|处室|机构|主体))"
                    r"\s*[:：]\s*")
# "责任领导：张三" / "联系人：李四" inside a unit cell: people, not units.
_LEADER = re.compile(r"(?:[\u4e00-\u9fff]{0,4}领导|责任人|联系人|负责人)\s*[:：][^\n；;]*[\n；;]?")
_LABEL_ROLE = (("lead", ("牵头", "主责", "主办")), ("assist", ("配合", "协作", "协办", "协助", "参与", "协同")))
# Separators between names; a bracket's inside is never split (各县（市、区）人民政府).
_SEPARATOR = re.compile(r"[、，,；;/／\s]+")
_TRAILING_ETC = re.compile(r"等(?:[\u4e00-\u9fff]{0,8}?(?:部门|单位|机构|科室|股室|处室))?$")
_AGENT = re.compile(r"^(?:具体)?(?:由|请)")
_ORGAN_END = r"(?:局|委|办|室|中心|院|所|队|府|部|厅|站|馆|社|会|处|科|股|司|行|团|联|协)"  # 联/协: 妇联、残联、科协
_LEVEL_START = r"(?:区|市|县|镇|乡|省|街道)"
# Two complete names glued: "区商务局区教育局" — an organ word, then a new level prefix.
_GLUED = re.compile(rf"(?<=[^各][\u4e00-\u9fff][局委办府厅院])"
                    rf"(?={_LEVEL_START}[\u4e00-\u9fff]{{1,12}}{_ORGAN_END}(?:$|[、，,；;\s]))")


def _protect_brackets(text: str) -> str:
    """Separators inside brackets replaced by placeholders so a split keeps the bracket whole."""
    out, depth = [], 0
    for char in text:
        depth += char in "（(〔[【"
        depth -= char in "）)〕]】" and depth > 0
        out.append({"、": "\x01", "，": "\x02", ",": "\x03", " ": "\x04"}.get(char, char) if depth else char)
    return "".join(out)


def _mask_brackets(text: str) -> str:
    """``text`` with every character inside brackets hidden (same length, for searching)."""
    out, depth = [], 0
    for char in text:
        opening, closing = char in "（(〔[【", char in "）)〕]】"
        depth += opening
        out.append("\x05" if depth and not opening and not closing else char)
        depth -= closing and depth > 0
    return "".join(out)


def _restore(text: str) -> str:
    return text.replace("\x01", "、").replace("\x02", "，").replace("\x03", ",").replace("\x04", " ")


def split_names(text: str, directory: UnitDirectory | None = None) -> list[str]:
    """The unit names of a list, brackets kept, a trailing 等… dropped, glued names split.

    Args:
        text: "区发改委、区科委等相关部门" / "各镇（街）\\n县开发区" / "区商务局区教育局".
        directory: When given, a name it does not know is split where it knows both halves.
    """
    names: list[str] = []
    for raw in _SEPARATOR.split(_protect_brackets(text.strip(" 。."))):
        name = _AGENT.sub("", _restore(raw).strip(" 。.*＊"))
        name = _TRAILING_ETC.sub("", name) if len(name) > 2 else name
        for part in _unglue(name, directory):
            if part and part not in names:
                names.append(part)
    return names


def _unglue(name: str, directory: UnitDirectory | None) -> list[str]:
    if directory is not None and directory.resolve(name) is None:
        for cut in range(2, len(name) - 1):
            if directory.resolve(name[:cut]) and directory.resolve(name[cut:]):
                return [name[:cut], name[cut:]]
    if directory is not None and directory.resolve(name):
        return [name]
    return [part for part in _GLUED.split(name) if part]


def _label_role(label: str) -> str:
    for role, words in _LABEL_ROLE:
        if any(word in label for word in words):
            return role
    return "units"


def _clauses(text: str) -> list[str]:
    """Clauses of a cell: lines and ，；; parts outside brackets ("X牵头，Y配合")."""
    parts = re.split(r"[\n；;。，,]+", _protect_brackets(text).replace("\x02", "，").replace("\x03", ","))
    return [_restore(c) for c in parts if c.strip()]


def _read_clause(clause: str, default_role: str, roles: UnitRoles, directory: UnitDirectory | None) -> None:
    """"X、Y分别牵头落实" / "区司法局牵头区级规范性文件…工作" / "*X、Y" / a plain list."""
    clause = clause.strip(" ，,、")
    verb = _VERB.search(_mask_brackets(clause))  # "区府办（牵头）" is a mark, read by _add_marked
    if verb and verb.start() > 0:
        role = verb.lastgroup or default_role
        names, rest = clause[: verb.start()], clause[verb.end():]
        _add_marked(names, role, roles, directory)
        if rest.strip(" ，,、") and _VERB.search(rest) and _looks_like_units(rest):
            _read_clause(rest, default_role, roles, directory)
        return
    _add_marked(clause, default_role, roles, directory)


def _looks_like_units(text: str) -> bool:
    head = _VERB.split(text.strip(" ，,、"))[0]
    return bool(re.search(rf"{_ORGAN_END}$|^各", head.strip(" ，,、")))


def _add_marked(text: str, role: str, roles: UnitRoles, directory: UnitDirectory | None) -> None:
    """Names of a list; "*X" is the lead, "X（牵头）" the role its mark says."""
    for raw in _SEPARATOR.split(_protect_brackets(text.replace("＊", "*"))):
        raw = _restore(raw).strip()
        marked = re.match(r"^(.+?)[（(](牵头|配合|协办|协助|参与|负责|责任)[)）]$", raw)
        if marked:
            target = {"牵头": "lead", "负责": "units", "责任": "units"}.get(marked.group(2), "assist")
            roles.add(target, split_names(marked.group(1), directory))
        elif raw:
            roles.add("lead" if raw.startswith("*") else role, split_names(raw, directory))


def parse_unit_cell(text: str, default_role: str = "units", directory: UnitDirectory | None = None) -> UnitRoles:
    """The units of one table cell by role.

    Args:
        text: The cell as written (lines kept).
        default_role: The role of a name with no role phrase: the column's role
            (lead for 牵头单位, assist for 配合单位, else units).
        directory: Optional 单位名录, to split two names glued together.
    """
    roles = UnitRoles()
    text = _LEADER.sub("", _join_wrapped(text.replace("＊", "*").strip()))
    labels = list(_LABEL.finditer(text))
    if labels:
        head = text[: labels[0].start()]
        if head.strip():
            _read_text(head, default_role, roles, directory)
        for i, label in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            _read_text(text[label.end():end], _label_role(label.group(1)), roles, directory)
        return roles
    _read_text(text, default_role, roles, directory)
    return roles


def _read_text(text: str, default_role: str, roles: UnitRoles, directory: UnitDirectory | None) -> None:
    for clause in _clauses(text):
        _read_clause(clause, default_role, roles, directory)


def _join_wrapped(text: str) -> str:
    """"区发\\n改委": a line that is a fragment of a name joins the next (see :func:`continues_on_next_line`)."""
    lines = [line.strip() for line in text.split("\n")]
    joined: list[str] = []
    for line in lines:
        if joined and continues_on_next_line(joined[-1], line):
            joined[-1] += line
        else:
            joined.append(line)
    return "\n".join(joined)


def continues_on_next_line(line: str, next_line: str) -> bool:
    """Whether ``line`` of a unit cell is the first part of a name that ``next_line`` finishes.

    A hand-wrapped cell ("区发\\n改委"): a short fragment with no organ word at its end.
    A long name the formatted 任务分解表 breaks between words ("区人力资源\\n社会保障局",
    :func:`addin.print_layout.fit_units_to_column`): up to 8 characters that read as no unit.
    A bracket never opens a name: "营商环境办公室\\n（财务管理办公室）" is one name.
    """
    if not line or line.endswith(("、", "，", ",", "；", ";")):
        return False
    if next_line.startswith(("（", "(")):
        return True
    if re.fullmatch(r"[\u4e00-\u9fff]{1,4}", line):
        return not re.search(rf"{_ORGAN_END}$|^各|^有关|镇$|乡$|街$|区$|村$", line)
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{5,8}", line)) and not re.match("各|有关", line) \
        and not _is_unit_name(line)


def is_unit_cell(text: str) -> bool:
    """True when a cell reads as units (names with optional role phrases), not a sentence.

    Used to tell a unit column by its content when its header is unknown.
    """
    text = text.strip()
    if not text or len(text) > 200 or (text.endswith(("。", "！", "？")) and not _VERB.search(text)):
        return False
    roles = parse_unit_cell(text)
    names = roles.lead + roles.units + roles.assist
    unitish = sum(1 for n in names if _is_unit_name(n))
    return bool(names) and unitish >= max(1, 0.6 * len(names))


_UNIT_NAME = re.compile(
    rf"^(?:\*?[\u4e00-\u9fffA-Za-z0-9（）()〔〕]{{0,30}}?(?:{_ORGAN_END}|政府|街道|镇|乡|部门|单位|机构|公司|集团|街|村|区"
    rf"|居委会|园区|开发区|管委会|街镇|办事处|主体|成员单位|科室|股室|处室)(?:[（(][^）)]{{1,12}}[)）])?)$"
    r"|^各[\u4e00-\u9fff（）()、]{1,16}$")
_SENTENCE_WORDS = re.compile(r"要|应|将|把|对|确保|推进|加强|做好|开展|建立|完善|提高")


def _is_unit_name(name: str) -> bool:
    bare = re.sub(r"[（(][^）)]*[)）]", "", name)
    return 2 <= len(name) <= 32 and bool(_UNIT_NAME.match(name)) and not (
        len(bare) > 8 and _SENTENCE_WORDS.search(bare))


def is_unit_per_line(lines: list[str]) -> bool:
    """Two or more lines, each a whole unit name ("财政所" / "便民综合服务中心"), none a fragment."""
    return len(lines) >= 2 and all(_is_unit_name(line) and len(line) >= 3 for line in lines)


def split_glued_units(rows: list, directory: UnitDirectory) -> None:
    """Split names glued without a separator ("财政所土管所") where the directory knows both parts."""
    for row in rows:
        for role in ("lead", "units", "assist"):
            names: list[str] = []
            for name in getattr(row, role):
                names.extend(part for part in _unglue(name, directory) if part not in names)
            setattr(row, role, names)
