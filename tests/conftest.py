from support.collection import make_importable

make_importable()
