"""Shoppable videos: product tags on moments and places of a video, suggestions, WebVTT."""
