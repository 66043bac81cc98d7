"""Helpers of the Streamlit app: words in two languages, cached calls into Tier Twin, charts, the sidebar."""
