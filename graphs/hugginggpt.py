"""The HuggingGPT graph for LangGraph Studio and `langgraph dev`.

Compiled without a checkpointer: the server brings its own.
"""

from langchain_hugginggpt import create_hugginggpt_graph

graph = create_hugginggpt_graph(name="hugginggpt")
