"""The LLM stage: an OpenAI-compatible model through langchain, guarded so it is never needed."""
