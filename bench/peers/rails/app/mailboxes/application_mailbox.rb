class ApplicationMailbox < ActionMailbox::Base
  routing all: :bench
end
