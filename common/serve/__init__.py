"""The web server: one FastAPI app hosting the speech and handwriting recognizers.

Sits at the output end of the flow (reader -> features -> model -> decoder -> output):
uploads go through the tasks' own readers and limits via the one-call API
(``asr.load``, ``handwriting.load``), and results leave as JSON or on the page in
``static/``. Start it with ``inkspeech serve`` (``common.serve.cli``).
"""
