"""Packaging for FenJie 任务分解助手."""

from setuptools import find_packages, setup

setup(
    name="fenjie",
    version="0.1.0",
    description="FenJie 任务分解助手: turn an upper-level work plan into a 任务分解表",
    packages=find_packages(include=["addin", "addin.*", "workbook_templates"]),
    package_data={"addin": ["samples/*.txt"], "addin.units": ["samples/*.csv"], "addin.wps": ["assets/*"],
                  "workbook_templates": ["*.xlsx", "*.j2"]},
    python_requires=">=3.10",
    install_requires=[
        "openpyxl>=3.1,<4",
        "jinja2>=3.1,<4",
        "python-docx>=1.1,<2",
        "pdfplumber>=0.11,<0.12",
        "python-calamine>=0.2,<1",
        "xlwings>=0.30,<1",
        "packaging>=23",  # addin bundle: wheel tags and environment markers of the Windows target
        "defusedxml>=0.7,<1",  # openpyxl parses user workbooks with it when installed (no entity expansion)
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "hypothesis>=6.100,<7",
            "reportlab>=4,<6",
            "ruff>=0.5,<1",
            "aiosmtpd>=1.4,<2",
            "oletools>=0.60,<1",  # an independent reader of the built add-in's VBA
            # only tests/hostile/make_cases.py, to regenerate the password-protected case
            "msoffcrypto-tool>=5,<7",
            "XlsxWriter>=3.1,<4",  # benchmarks/peers.py: the peer FenJie's forms are measured against
        ],
    },
    entry_points={"console_scripts": ["fenjie=addin.cli:main"]},
)
