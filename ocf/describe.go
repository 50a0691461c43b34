package ocf

// Description is the parameter's long description followed by what
// ra-api-1.dtd has no attribute for (choices, unique group, reload,
// deprecation, compatibility notes): the text of the meta-data's longdesc,
// for other renderings such as the agent's manual page.
func (p *Param) Description() string { return paramLongdesc(p) }
