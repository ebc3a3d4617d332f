"""An argparse parser that speaks Chinese: usage, help headings and every error message.

argparse words its messages in English (through gettext, with no Chinese
catalogue shipped). Users of ``fenjie`` read Chinese, so the few fixed phrases
are replaced here: the section headings and the -h/--help line when the parser
is built, and the error messages (a small table of argparse's patterns) when
one is raised. A message no pattern matches is shown as argparse wrote it, after
a Chinese lead-in, so nothing is lost.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

TYPE_NAMES = {"int": "整数", "float": "数字"}
_MESSAGES = (
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.*)\)", "参数 {0} 的值“{1}”无效，可选：{2}"),
    (r"argument (\S+): invalid (\w+) value: '?(.*?)'?$", "参数 {0} 的值“{2}”不是有效的{1}"),
    (r"argument (\S+): expected one argument", "参数 {0} 后面需要一个值"),
    (r"argument (\S+): expected at most one argument", "参数 {0} 后面最多一个值"),
    (r"argument (\S+): expected at least one argument", "参数 {0} 后面至少需要一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", "参数 {0} 不能与 {1} 同时使用"),
    (r"argument (\S+): ignored explicit argument '?(.*?)'?$", "参数 {0} 不接受值“{1}”"),
    (r"ambiguous option: (\S+) could match (.*)", "选项 {0} 有歧义，可能是：{1}"),
)


def chinese_message(message: str) -> str:
    """argparse's English error message in Chinese."""
    for pattern, template in _MESSAGES:
        match = re.fullmatch(pattern, message.strip())
        if match:
            groups = [TYPE_NAMES.get(g, g) for g in match.groups()]
            return template.format(*groups).replace("'", "")
    return f"参数有误（{message}）"


class ChineseArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose usage, help and errors are Chinese.

    Sub-command parsers are made of the same class (argparse uses the parent's class).
    """

    def __init__(self, *args, **kwargs) -> None:
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_usage(self) -> str:
        return _chinese_usage(super().format_usage())

    def format_help(self) -> str:
        return _chinese_usage(super().format_help())

    def error(self, message: str) -> NoReturn:
        """Print the usage and the Chinese message to stderr; exit status 2 (as argparse)."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_message(message)}\n")


def _chinese_usage(text: str) -> str:
    text = re.sub(r"^usage: ", "用法：", text)
    return re.sub(r"^(位置参数|选项|[^\s:：]+):$", r"\1：", text, flags=re.M)  # section headings
