"""Products: manifests (manifest), safe glTF loading (gltf_loader), the catalog (catalog),
parametric eyewear (eyewear_gen), validation (validate). Import from the submodules."""
