<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>Accessible</name>
    <message>
        <source>Accept</source>
        <translation>Принять</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Вложения</translation>
    </message>
    <message>
        <source>Back to chats</source>
        <translation>Назад к чатам</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Позвонить</translation>
    </message>
    <message>
        <source>Call banner</source>
        <translation>Панель звонка</translation>
    </message>
    <message>
        <source>Call unavailable</source>
        <translation>Звонок недоступен</translation>
    </message>
    <message>
        <source>Call window</source>
        <translation>Окно звонка</translation>
    </message>
    <message>
        <source>Camera off</source>
        <translation>Камера выключена</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Cancel edit</source>
        <translation>Отменить правку</translation>
    </message>
    <message>
        <source>Chat actions</source>
        <translation>Действия с чатом</translation>
    </message>
    <message>
        <source>Chat title</source>
        <translation>Название чата</translation>
    </message>
    <message>
        <source>Chat title label</source>
        <translation>Заголовок чата</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>Чаты</translation>
    </message>
    <message>
        <source>Clear filter</source>
        <translation>Очистить поиск по чатам</translation>
    </message>
    <message>
        <source>Clear search</source>
        <translation>Очистить поиск</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>Connection notice</source>
        <translation>Сообщение о подключении</translation>
    </message>
    <message>
        <source>Connection notice text</source>
        <translation>Текст сообщения о подключении</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Создать</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Создать учётную запись</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Текущий пароль</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>Отклонить</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Delete message?</source>
        <translation>Удалить сообщение?</translation>
    </message>
    <message>
        <source>Dialog error</source>
        <translation>Ошибка в окне</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Скрыть</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Отображаемое имя</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>Не беспокоить</translation>
    </message>
    <message>
        <source>Do not disturb setting</source>
        <translation>Настройка «Не беспокоить»</translation>
    </message>
    <message>
        <source>Editing message</source>
        <translation>Правка сообщения</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Эл. почта</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Ошибка</translation>
    </message>
    <message>
        <source>Error text</source>
        <translation>Текст ошибки</translation>
    </message>
    <message>
        <source>Filter chats</source>
        <translation>Поиск по чатам</translation>
    </message>
    <message>
        <source>Full image</source>
        <translation>Изображение целиком</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Завершить звонок</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Входящий звонок</translation>
    </message>
    <message>
        <source>Incoming call text</source>
        <translation>Текст входящего звонка</translation>
    </message>
    <message>
        <source>Invite</source>
        <translation>Пригласить</translation>
    </message>
    <message>
        <source>Invite username</source>
        <translation>Имя приглашаемого</translation>
    </message>
    <message>
        <source>Join call</source>
        <translation>Присоединиться к звонку</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>Leave chat</source>
        <translation>Покинуть чат</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Участники</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Сообщение</translation>
    </message>
    <message>
        <source>Message actions</source>
        <translation>Действия с сообщением</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Сообщения</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Выключить микрофон</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Новый чат</translation>
    </message>
    <message>
        <source>New direct chat</source>
        <translation>Новый личный чат</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Новый пароль</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Offline banner</source>
        <translation>Панель «Нет связи»</translation>
    </message>
    <message>
        <source>Offline banner text</source>
        <translation>Текст панели «Нет связи»</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Предпросмотр</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Профиль</translation>
    </message>
    <message>
        <source>Reconnect now</source>
        <translation>Подключиться сейчас</translation>
    </message>
    <message>
        <source>Refresh sessions</source>
        <translation>Обновить список сеансов</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <source>Save edit</source>
        <translation>Сохранить правку</translation>
    </message>
    <message>
        <source>Screens and windows</source>
        <translation>Экраны и окна</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>Поиск сообщений</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Результаты поиска</translation>
    </message>
    <message>
        <source>Search users</source>
        <translation>Поиск пользователей</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Отправить</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Сервер</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Адрес сервера</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>Сеансы</translation>
    </message>
    <message>
        <source>Sessions status</source>
        <translation>Состояние сеансов</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>Разделы настроек</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>Показать</translation>
    </message>
    <message>
        <source>Share screen</source>
        <translation>Показать экран</translation>
    </message>
    <message>
        <source>Share your screen</source>
        <translation>Показ экрана</translation>
    </message>
    <message>
        <source>Sharing bar</source>
        <translation>Панель показа экрана</translation>
    </message>
    <message>
        <source>Show notifications</source>
        <translation>Показывать уведомления</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <source>Sign out all other sessions</source>
        <translation>Завершить все другие сеансы</translation>
    </message>
    <message>
        <source>Sign out session</source>
        <translation>Завершить сеанс</translation>
    </message>
    <message>
        <source>Start chat</source>
        <translation>Начать чат</translation>
    </message>
    <message>
        <source>Stop sharing</source>
        <translation>Остановить показ</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Тема</translation>
    </message>
    <message>
        <source>Typing indicator</source>
        <translation>Индикатор набора текста</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Имя пользователя</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Пользователи</translation>
    </message>
    <message>
        <source>Emoji</source>
        <translation>Эмодзи</translation>
    </message>
    <message>
        <source>Emoji picker</source>
        <translation>Выбор эмодзи</translation>
    </message>
    <message>
        <source>Chat avatar</source>
        <translation>Аватар чата</translation>
    </message>
    <message>
        <source>Chat status</source>
        <translation>Состояние чата</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Сочетания клавиш</translation>
    </message>
</context>
<context>
    <name>AttachmentTray</name>
    <message>
        <source>A message takes at most %1 files.</source>
        <translation>К сообщению можно приложить не больше %1 файлов.</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Прикрепить файлы</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Upload failed: %1</source>
        <translation>Не удалось загрузить файл: %1</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Убрать</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Reconnect now</source>
        <translation>Подключиться сейчас</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Скрыть</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>Bubble</name>
    <message>
        <source>Earlier message</source>
        <translation>Более раннее сообщение</translation>
    </message>
    <message numerus="yes">
        <source>read by %n</source>
        <translation>
            <numerusform>прочитал %n участник</numerusform>
            <numerusform>прочитали %n участника</numerusform>
            <numerusform>прочитали %n участников</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>BubbleFiles</name>
    <message>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
</context>
<context>
    <name>CallControls</name>
    <message>
        <source>Group calls need a Jitsi server</source>
        <translation>Для групповых звонков нужен сервер Jitsi</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Позвонить</translation>
    </message>
    <message>
        <source>A call is running in this chat</source>
        <translation>В этом чате идёт звонок</translation>
    </message>
    <message>
        <source>Join call</source>
        <translation>Присоединиться</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Входящий звонок</translation>
    </message>
    <message>
        <source>%1 is calling</source>
        <translation>Звонит %1</translation>
    </message>
</context>
<context>
    <name>CallWindow</name>
    <message>
        <source>Parley call</source>
        <translation>Звонок Parley</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Выкл. микрофон</translation>
    </message>
    <message>
        <source>Camera off</source>
        <translation>Выкл. камеру</translation>
    </message>
    <message>
        <source>Share screen</source>
        <translation>Показать экран</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Завершить</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Вкл. микрофон</translation>
    </message>
    <message>
        <source>Camera on</source>
        <translation>Вкл. камеру</translation>
    </message>
    <message>
        <source>Stop sharing</source>
        <translation>Остановить показ</translation>
    </message>
    <message>
        <source>Ringing…</source>
        <translation>Звоним…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Соединение…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Соединено</translation>
    </message>
    <message>
        <source>Connection lost, reconnecting…</source>
        <translation>Связь потеряна, переподключаемся…</translation>
    </message>
    <message>
        <source>The connection failed</source>
        <translation>Не удалось соединиться</translation>
    </message>
    <message>
        <source>The call has ended</source>
        <translation>Звонок завершён</translation>
    </message>
</context>
<context>
    <name>ChatHeader</name>
    <message>
        <source>online</source>
        <translation>в сети</translation>
    </message>
    <message>
        <source>last seen %1</source>
        <translation>был(а) %1</translation>
    </message>
    <message numerus="yes">
        <source>%n members</source>
        <translation>
            <numerusform>%n участник</numerusform>
            <numerusform>%n участника</numerusform>
            <numerusform>%n участников</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1, %n online</source>
        <translation>
            <numerusform>%1, %n в сети</numerusform>
            <numerusform>%1, %n в сети</numerusform>
            <numerusform>%1, %n в сети</numerusform>
        </translation>
    </message>
    <message>
        <source>today at %1</source>
        <translation>сегодня в %1</translation>
    </message>
    <message>
        <source>yesterday at %1</source>
        <translation>вчера в %1</translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation>%1 в %2</translation>
    </message>
</context>
<context>
    <name>ChatListModel</name>
    <message>
        <source>No messages yet</source>
        <translation>Сообщений пока нет</translation>
    </message>
    <message>
        <source>Message deleted</source>
        <translation>Сообщение удалено</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Вы</translation>
    </message>
    <message numerus="yes">
        <source>, %n unread</source>
        <translation>
            <numerusform>, %n непрочитанное</numerusform>
            <numerusform>, %n непрочитанных</numerusform>
            <numerusform>, %n непрочитанных</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ChatMenu</name>
    <message>
        <source>Unmute notifications</source>
        <translation>Включить уведомления</translation>
    </message>
    <message>
        <source>Mute notifications</source>
        <translation>Отключить уведомления</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <source>Invite</source>
        <translation>Пригласить</translation>
    </message>
    <message>
        <source>Leave chat</source>
        <translation>Покинуть чат</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Отправить</translation>
    </message>
    <message>
        <source>Editing your message: Enter saves, Esc cancels.</source>
        <translation>Редактирование: Enter — сохранить, Esc — отменить.</translation>
    </message>
    <message>
        <source>Cancel edit</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Choose a chat on the left, or start a new one.</source>
        <translation>Выберите чат слева или начните новый.</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 печатает…</translation>
    </message>
    <message>
        <source>%1 are typing…</source>
        <translation>%1 печатают…</translation>
    </message>
    <message>
        <source>You are offline: saved messages can be read, and sending works again once the server is reachable.</source>
        <translation>Нет связи: сохранённые сообщения можно читать, а отправка заработает, когда сервер снова станет доступен.</translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation>Изменить сообщение</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation>Удалить сообщение</translation>
    </message>
    <message>
        <source>Retry sending</source>
        <translation>Отправить ещё раз</translation>
    </message>
    <message>
        <source>Discard message</source>
        <translation>Отменить отправку</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <source>Delete message?</source>
        <translation>Удалить сообщение?</translation>
    </message>
    <message>
        <source>Delete this message for everyone? A note that it was deleted stays in the chat.</source>
        <translation>Удалить это сообщение у всех? В чате останется пометка, что оно удалено.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Write a message…  (Enter sends, Shift+Enter for a new line)</source>
        <translation>Напишите сообщение…  (Enter — отправить, Shift+Enter — новая строка)</translation>
    </message>
</context>
<context>
    <name>Conversation</name>
    <message>
        <source>You</source>
        <translation>Вы</translation>
    </message>
    <message>
        <source>Message deleted</source>
        <translation>Сообщение удалено</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Файл</translation>
    </message>
    <message>
        <source>Cancel reply (Esc)</source>
        <translation>Отменить ответ (Esc)</translation>
    </message>
    <message>
        <source>Newest messages</source>
        <translation>К новым сообщениям</translation>
    </message>
    <message>
        <source>Reply to %1: %2</source>
        <translation>Ответ %1: %2</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Ответить</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Копировать текст</translation>
    </message>
    <message>
        <source>React</source>
        <translation>Реакция</translation>
    </message>
</context>
<context>
    <name>DirectChatDialog</name>
    <message>
        <source>New direct chat</source>
        <translation>Новый личный чат</translation>
    </message>
    <message>
        <source>start typing a username</source>
        <translation>начните вводить имя пользователя</translation>
    </message>
    <message>
        <source>Nobody found.</source>
        <translation>Никого не нашлось.</translation>
    </message>
</context>
<context>
    <name>EmojiButton</name>
    <message>
        <source>Emoji</source>
        <translation>Эмодзи</translation>
    </message>
</context>
<context>
    <name>IncomingCall</name>
    <message>
        <source>Incoming call</source>
        <translation>Входящий звонок</translation>
    </message>
    <message>
        <source>%1 is calling you</source>
        <translation>Вам звонит %1</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>Принять</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>Отклонить</translation>
    </message>
</context>
<context>
    <name>InlineFiles</name>
    <message>
        <source>Save file</source>
        <translation>Сохранить файл</translation>
    </message>
    <message>
        <source>Download failed: %1</source>
        <translation>Не удалось скачать файл: %1</translation>
    </message>
    <message>
        <source>The download was damaged on the way; try again.</source>
        <translation>Файл повредился при скачивании; попробуйте ещё раз.</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Invite to %1</source>
        <translation>Пригласить в «%1»</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Имя пользователя</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Offline — reconnecting. Messages you write are sent when the connection is back.</source>
        <translation>Нет связи — переподключаемся. Написанные сообщения уйдут, когда связь восстановится.</translation>
    </message>
    <message>
        <source>Offline — showing saved chats. Connecting to the server…</source>
        <translation>Нет связи — показаны сохранённые чаты. Подключаемся к серверу…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Профиль</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <source>Filter chats</source>
        <translation>Поиск по чатам</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Новый чат</translation>
    </message>
    <message>
        <source>New direct chat</source>
        <translation>Личный чат</translation>
    </message>
    <message>
        <source>DND</source>
        <translation>Тихо</translation>
    </message>
    <message>
        <source>Do not disturb: no notifications</source>
        <translation>Не беспокоить: без уведомлений</translation>
    </message>
    <message>
        <source>Settings (Ctrl+,)</source>
        <translation>Настройки (Ctrl+,)</translation>
    </message>
    <message>
        <source>Enter the server address, your username or email, and your password.</source>
        <translation>Введите адрес сервера, имя пользователя или почту и пароль.</translation>
    </message>
    <message>
        <source>To create an account, enter the server address, a username, an email and a password.</source>
        <translation>Чтобы создать учётную запись, введите адрес сервера, имя пользователя, почту и пароль.</translation>
    </message>
    <message>
        <source>Connected to the server again.</source>
        <translation>Связь с сервером восстановлена.</translation>
    </message>
    <message>
        <source>Leave chat?</source>
        <translation>Покинуть чат?</translation>
    </message>
    <message>
        <source>Leave “%1”? You will stop receiving its messages; someone in it has to invite you to come back.</source>
        <translation>Покинуть «%1»? Вы перестанете получать его сообщения; вернуться можно, только если вас снова пригласят.</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Покинуть</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <source>New messages</source>
        <translation>Новые сообщения</translation>
    </message>
    <message>
        <source>Message deleted</source>
        <translation>Сообщение удалено</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>изменено</translation>
    </message>
    <message>
        <source>sending…</source>
        <translation>отправляется…</translation>
    </message>
    <message>
        <source>failed — click to retry, right-click to discard</source>
        <translation>не отправлено — клик: повторить; правый клик: отменить</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>отправлено</translation>
    </message>
</context>
<context>
    <name>MessageModel</name>
    <message>
        <source>You</source>
        <translation>Вы</translation>
    </message>
    <message>
        <source>Message deleted</source>
        <translation>Сообщение удалено</translation>
    </message>
</context>
<context>
    <name>NewChatDialog</name>
    <message>
        <source>New group chat</source>
        <translation>Новый групповой чат</translation>
    </message>
    <message>
        <source>usernames, separated by commas (optional)</source>
        <translation>имена пользователей через запятую (необязательно)</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Участники</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message numerus="yes">
        <source>%n new message(s) — latest: %1</source>
        <translation>
            <numerusform>%n новое сообщение — последнее: %1</numerusform>
            <numerusform>%n новых сообщения — последнее: %1</numerusform>
            <numerusform>%n новых сообщений — последнее: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Numerus</name>
    <message numerus="yes">
        <source>Parley — %n unread</source>
        <translation>
            <numerusform>Parley — %n непрочитанное</numerusform>
            <numerusform>Parley — %n непрочитанных</numerusform>
            <numerusform>Parley — %n непрочитанных</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln bytes</source>
        <translation>
            <numerusform>%Ln байт</numerusform>
            <numerusform>%Ln байта</numerusform>
            <numerusform>%Ln байт</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <source>Profile</source>
        <translation>Профиль</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Имя пользователя</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Отображаемое имя</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Почта</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Текущий пароль</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Новый пароль</translation>
    </message>
</context>
<context>
    <name>Responsive</name>
    <message>
        <source>‹ Chats</source>
        <translation>‹ Чаты</translation>
    </message>
    <message>
        <source>Back to the chat list</source>
        <translation>Назад к списку чатов</translation>
    </message>
</context>
<context>
    <name>SearchDialog</name>
    <message>
        <source>Search messages</source>
        <translation>Поиск сообщений</translation>
    </message>
    <message>
        <source>In %1</source>
        <translation>В чате «%1»</translation>
    </message>
    <message>
        <source>In all chats</source>
        <translation>Во всех чатах</translation>
    </message>
    <message>
        <source>No messages found.</source>
        <translation>Сообщений не найдено.</translation>
    </message>
</context>
<context>
    <name>SessionsPage</name>
    <message>
        <source>Device</source>
        <translation>Устройство</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Последняя активность</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Завершить сеанс</translation>
    </message>
    <message>
        <source>Sign out all other sessions</source>
        <translation>Завершить все другие сеансы</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Загрузка…</translation>
    </message>
    <message numerus="yes">
        <source>Signed out %n other session(s).</source>
        <translation>
            <numerusform>Завершён %n другой сеанс.</numerusform>
            <numerusform>Завершено %n других сеанса.</numerusform>
            <numerusform>Завершено %n других сеансов.</numerusform>
        </translation>
    </message>
    <message>
        <source>Unnamed device</source>
        <translation>Устройство без имени</translation>
    </message>
    <message>
        <source>%1 (this device)</source>
        <translation>%1 (это устройство)</translation>
    </message>
    <message numerus="yes">
        <source>%n session(s) signed in.</source>
        <translation>
            <numerusform>Активен %n сеанс.</numerusform>
            <numerusform>Активно %n сеанса.</numerusform>
            <numerusform>Активно %n сеансов.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Follow the system</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Светлая</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Тёмная</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Общие</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>Сеансы</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Адрес сервера</translation>
    </message>
    <message>
        <source>Show notifications</source>
        <translation>Показывать уведомления</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>Не беспокоить</translation>
    </message>
    <message>
        <source>Used the next time you sign in.</source>
        <translation>Будет использован при следующем входе.</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Тема</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Уведомления</translation>
    </message>
</context>
<context>
    <name>SharingBar</name>
    <message>
        <source>You are sharing your screen</source>
        <translation>Вы показываете свой экран</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Остановить</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>Jump to a chat by name</source>
        <translation>Перейти к чату по названию</translation>
    </message>
    <message>
        <source>Previous / next chat</source>
        <translation>Предыдущий / следующий чат</translation>
    </message>
    <message>
        <source>Next / previous chat</source>
        <translation>Следующий / предыдущий чат</translation>
    </message>
    <message>
        <source>Search messages in this chat</source>
        <translation>Поиск сообщений в этом чате</translation>
    </message>
    <message>
        <source>Search messages in all chats</source>
        <translation>Поиск сообщений во всех чатах</translation>
    </message>
    <message>
        <source>Send the message</source>
        <translation>Отправить сообщение</translation>
    </message>
    <message>
        <source>New line in the message</source>
        <translation>Новая строка в сообщении</translation>
    </message>
    <message>
        <source>Edit my last message (in an empty composer)</source>
        <translation>Изменить моё последнее сообщение (в пустом поле ввода)</translation>
    </message>
    <message>
        <source>Reply to the selected message</source>
        <translation>Ответить на выбранное сообщение</translation>
    </message>
    <message>
        <source>React to the selected message</source>
        <translation>Реакция на выбранное сообщение</translation>
    </message>
    <message>
        <source>Cancel editing; close a panel or this list</source>
        <translation>Отменить правку; закрыть панель или этот список</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Show or hide these shortcuts</source>
        <translation>Показать или скрыть этот список</translation>
    </message>
    <message>
        <source>Quit Parley</source>
        <translation>Выйти из Parley</translation>
    </message>
</context>
<context>
    <name>ShortcutsOverlay</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Сочетания клавиш</translation>
    </message>
    <message>
        <source>Esc closes this list.</source>
        <translation>Esc закрывает этот список.</translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>Sign in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Создать учётную запись</translation>
    </message>
    <message>
        <source>username or email</source>
        <translation>логин или почта</translation>
    </message>
    <message>
        <source>only for a new account</source>
        <translation>для регистрации</translation>
    </message>
    <message>
        <source>only for a new account (optional)</source>
        <translation>необязательно</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Сервер</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Логин</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Почта</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>Имя в чатах</translation>
    </message>
</context>
<context>
    <name>SourcePicker</name>
    <message>
        <source>Share your screen</source>
        <translation>Показ экрана</translation>
    </message>
    <message>
        <source>Screen: %1</source>
        <translation>Экран: %1</translation>
    </message>
    <message>
        <source>Window: %1</source>
        <translation>Окно: %1</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>Показать</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Choose what to share:</source>
        <translation>Выберите, что показать:</translation>
    </message>
</context>
<context>
    <name>Tile</name>
    <message>
        <source>Remove</source>
        <translation>Убрать</translation>
    </message>
    <message>
        <source>Waiting for the server, then trying again…</source>
        <translation>Ждём сервер, потом пробуем снова…</translation>
    </message>
</context>
<context>
    <name>dialogs</name>
    <message>
        <source>Create</source>
        <translation>Создать</translation>
    </message>
    <message>
        <source>Start chat</source>
        <translation>Начать чат</translation>
    </message>
    <message>
        <source>Invite</source>
        <translation>Пригласить</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Cannot reach the server at %1. Check the address and that the server is running.</source>
        <translation>Не удаётся связаться с сервером %1. Проверьте адрес и убедитесь, что сервер запущен.</translation>
    </message>
    <message>
        <source>Message is too long (at most %1 characters).</source>
        <translation>Сообщение слишком длинное (не больше %1 символов).</translation>
    </message>
    <message>
        <source>Message is too long: %1 characters (at most %2).</source>
        <translation>Сообщение слишком длинное: %1 симв. (можно не больше %2).</translation>
    </message>
    <message>
        <source>Something went wrong: %1.</source>
        <translation>Что-то пошло не так: %1.</translation>
    </message>
    <message>
        <source>The server refused that (%1).</source>
        <translation>Сервер отказал (%1).</translation>
    </message>
    <message>
        <source>The file %1 is no longer on this computer.</source>
        <translation>Файла %1 больше нет на этом компьютере.</translation>
    </message>
    <message>
        <source>%1 is %2: this server takes files of at most %3. It was not attached.</source>
        <translation>Файл %1 весит %2, а этот сервер принимает файлы не больше %3. Файл не прикреплён.</translation>
    </message>
    <message>
        <source>That file is too large: this server takes at most %1.</source>
        <translation>Файл слишком большой: этот сервер принимает не больше %1.</translation>
    </message>
    <message>
        <source>%1 is %2, more than is left of your storage quota on this server (%3). It was not attached.</source>
        <translation>Файл %1 весит %2 — больше, чем осталось от вашей квоты на этом сервере (%3). Файл не прикреплён.</translation>
    </message>
    <message>
        <source>Your files on this server have used up your quota of %1. Nothing was sent.</source>
        <translation>Ваши файлы на этом сервере заняли всю квоту (%1). Ничего не отправлено.</translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation>Неверное имя пользователя или пароль.</translation>
    </message>
    <message>
        <source>That username or email is already taken.</source>
        <translation>Это имя пользователя или почта уже заняты.</translation>
    </message>
    <message>
        <source>The current password is wrong.</source>
        <translation>Текущий пароль указан неверно.</translation>
    </message>
    <message>
        <source>A message needs some text.</source>
        <translation>В сообщении должен быть текст.</translation>
    </message>
    <message>
        <source>No user with that name.</source>
        <translation>Пользователя с таким именем нет.</translation>
    </message>
    <message>
        <source>That chat is gone, or you are no longer a member.</source>
        <translation>Этого чата больше нет, или вы в нём больше не состоите.</translation>
    </message>
    <message>
        <source>Group calls need a Jitsi server; this server has none.</source>
        <translation>Для групповых звонков нужен сервер Jitsi, а у этого сервера его нет.</translation>
    </message>
    <message>
        <source>That call has ended.</source>
        <translation>Звонок уже завершён.</translation>
    </message>
    <message>
        <source>Only the owner or an admin can do that.</source>
        <translation>Это может сделать только владелец или администратор.</translation>
    </message>
    <message>
        <source>That chat is full.</source>
        <translation>В чате больше нет мест.</translation>
    </message>
    <message>
        <source>Your session has ended. Please sign in again.</source>
        <translation>Сеанс завершён. Войдите снова.</translation>
    </message>
    <message>
        <source>The server could not store the message. Try again.</source>
        <translation>Сервер не смог сохранить сообщение. Попробуйте ещё раз.</translation>
    </message>
    <message>
        <source>Too many sign-in attempts. Wait a minute and try again.</source>
        <translation>Слишком много попыток входа. Подождите минуту и попробуйте снова.</translation>
    </message>
    <message>
        <source>Too many new accounts from here. Try again later.</source>
        <translation>Отсюда создано слишком много учётных записей. Попробуйте позже.</translation>
    </message>
    <message>
        <source>You are sending too fast. The message was not sent.</source>
        <translation>Вы отправляете слишком часто. Сообщение не отправлено.</translation>
    </message>
    <message>
        <source>You are not allowed to do that.</source>
        <translation>У вас нет на это прав.</translation>
    </message>
    <message>
        <source>Not found (it may have been deleted, or you are no longer a member).</source>
        <translation>Не найдено (возможно, удалено, или вы больше не участник).</translation>
    </message>
    <message>
        <source>That is already taken.</source>
        <translation>Это уже занято.</translation>
    </message>
    <message>
        <source>That is too large for the server.</source>
        <translation>Это слишком большое для сервера.</translation>
    </message>
    <message>
        <source>Too many requests. Please wait a moment and try again.</source>
        <translation>Слишком много запросов. Подождите немного и попробуйте снова.</translation>
    </message>
    <message>
        <source>The server is busy or restarting. Try again shortly.</source>
        <translation>Сервер занят или перезапускается. Попробуйте чуть позже.</translation>
    </message>
    <message>
        <source>The server took too long to answer. Try again.</source>
        <translation>Сервер слишком долго не отвечает. Попробуйте ещё раз.</translation>
    </message>
    <message>
        <source>The server ran into a problem. Try again shortly.</source>
        <translation>На сервере произошла ошибка. Попробуйте чуть позже.</translation>
    </message>
</context>
</TS>
