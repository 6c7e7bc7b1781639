"""Agent Factory's evaluation library: golden questions, runner, RAGAS metrics, gate, report.

Plain Python; it never imports ZenML.
"""
