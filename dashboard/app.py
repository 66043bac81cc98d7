"""Tier Twin dashboard: ``twin dashboard`` runs ``streamlit run`` on this file.

The pages call the library and hold no simulation, economics or assessment logic of their own; every
slow call is cached by content (see ``ui/data.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402
from ui import shell  # noqa: E402
from ui.i18n import t  # noqa: E402

import twin  # noqa: E402

PAGES = (
    ("pages/plant.py", "page_plant", ":material/factory:", "plant"),
    ("pages/assessment.py", "page_assessment", ":material/military_tech:", "assessment"),
    ("pages/planner.py", "page_planner", ":material/account_tree:", "planner"),
    ("pages/financials.py", "page_financials", ":material/payments:", "financials"),
    ("pages/compare.py", "page_compare", ":material/compare_arrows:", "compare"),
    ("pages/training.py", "page_training", ":material/school:", "training"),
)

st.set_page_config(page_title="Tier Twin", page_icon=":material/precision_manufacturing:", layout="wide")
pages = [
    st.Page(str(HERE / path), title=t(title), icon=icon, url_path=url, default=i == 0)
    for i, (path, title, icon, url) in enumerate(PAGES)
]
page = st.navigation(pages)
st.session_state["settings"] = shell.sidebar()
with st.sidebar:
    st.caption(f"{t('app_title')} · v{twin.__version__}")
page.run()
