"""Typed views of the events our functions receive, one module per event source.

Each module has the event-type constants, a frozen typed event, and one function that
turns the raw ``cloudevents`` object into it (the shape of firebase-functions-python).
"""
