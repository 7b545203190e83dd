"""The HuggingGPT graph for LangGraph Studio and `langgraph dev`.

Compiled without a checkpointer: the server brings its own.

The deployment's policy (what any client's run may read or spend) comes from the server's
environment, e.g. the `.env` named in `langgraph.json`: `HUGGINGGPT_INPUT_ROOTS`,
`HUGGINGGPT_ALLOW_PRIVATE_URLS`, `HUGGINGGPT_MAX_INPUT_MB`, `HUGGINGGPT_INFERENCE_MODE` and
`HUGGINGGPT_ALLOWED_CONTROLLERS`. A run's `context` may only narrow it; pass settings to
`create_hugginggpt_graph` here to fix them regardless of the environment.
"""

from langchain_hugginggpt import create_hugginggpt_graph

graph = create_hugginggpt_graph(name="hugginggpt")
