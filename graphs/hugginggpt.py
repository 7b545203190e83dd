"""The HuggingGPT graph for LangGraph Studio and `langgraph dev`.

Compiled without a checkpointer: the server brings its own.
"""

from langchain_hugginggpt import create_hugginggpt_graph
from langchain_hugginggpt.engines import default_engines

graph = create_hugginggpt_graph(engines=default_engines(), name="hugginggpt")
