import sys, json
print("hello from python", sys.version_info.major, json.dumps([1, 2]))
