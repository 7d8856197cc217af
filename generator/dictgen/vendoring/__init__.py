"""vendoring"""
